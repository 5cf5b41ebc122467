// The trivial JSON function of bench/functions-hosting.sh, run unchanged by both Hearth
// (copied into a temp project's api/, answering /api/hello) and the Express peer
// (bench/functions/express-hello.mjs imports this very file).
export default function handler(req, res) {
  res.json({ hello: 'world' });
}
