// GET /api/auth-providers: {"providers": ["google", ...]}, the sign-in providers this
// project's hearth.json configures (auth.providers), so that the page offers only the
// buttons that work. Provider names are public; their secrets stay in .env.
import { readFile } from 'node:fs/promises';

const HEARTH_JSON = new URL('../hearth.json', import.meta.url);

export default async function handler(req, res) {
  let providers = [];
  try {
    const config = JSON.parse(await readFile(HEARTH_JSON, 'utf8'));
    providers = Object.keys(config?.auth?.providers ?? {});
  } catch (e) {
    console.error(`auth-providers: cannot read hearth.json: ${e.message}`);
  }
  res.setHeader('Cache-Control', 'no-cache');
  return res.status(200).json({ providers });
}
