// Module resolution hook of the function worker: `hearth/admin` is the admin module
// and `hearth/triggers` are the modules shipped with the worker, whatever the function's own node_modules hold.
const modules = {
  'hearth/admin': new URL('./admin.mjs', import.meta.url).href,
  'hearth/triggers': new URL('./triggers.mjs', import.meta.url).href,
};

export async function resolve(specifier, context, next) {
  const url = modules[specifier];
  if (url !== undefined) return { url, shortCircuit: true };
  return next(specifier, context);
}
