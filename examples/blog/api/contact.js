// POST /api/contact {name, email, message}: sends the message to the blog's owner through
// an HTTP mail API. The API key stays on the server: it comes from .env (MAIL_API_KEY),
// goes only to MAIL_API_URL, and is never put in an answer or a log line.
//
// Answers {ok: true}, or {error: {code, message}} with a message fit to show to the
// visitor (the same shape as Hearth's own errors, so the page handles both alike).

const LIMITS = { name: 100, email: 254, message: 5000 };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TIMEOUT_MS = 8000;

function fail(res, status, code, message) {
  return res.status(status).json({ error: { code, message } });
}

// The visitor's input, trimmed, or the reason it cannot be sent.
function readForm(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { problem: 'Send the form as JSON: {"name", "email", "message"}.' };
  }
  const form = {};
  for (const key of ['name', 'email', 'message']) {
    const value = body[key];
    if (typeof value !== 'string' || !value.trim()) return { problem: `Please fill in your ${key}.` };
    form[key] = value.trim();
    if (form[key].length > LIMITS[key]) {
      return { problem: `Your ${key} is too long (at most ${LIMITS[key]} characters).` };
    }
  }
  if (!EMAIL.test(form.email)) return { problem: 'That email address does not look right.' };
  // A field people never see: bots fill it in. Pretend all went well.
  if (typeof body.website === 'string' && body.website !== '') return { spam: true };
  return { form };
}

export default async function handler(req, res) {
  res.setHeader('Cache-Control', 'no-store');
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return fail(res, 405, 'invalid-argument', 'Use POST.');
  }
  const { form, problem, spam } = readForm(req.body);
  if (problem) return fail(res, 400, 'invalid-argument', problem);
  if (spam) return res.status(200).json({ ok: true });

  const { MAIL_API_URL: url, MAIL_API_KEY: key } = process.env;
  if (!url || !key) {
    console.error('contact: MAIL_API_URL and MAIL_API_KEY must be set in .env');
    return fail(res, 503, 'unavailable', 'The contact form is not set up yet. Please try again later.');
  }

  // req.auth is the signed-in user (Hearth verified their ID token), or null.
  const sender = req.auth?.uid ? `signed-in user ${req.auth.uid}` : 'a visitor who was not signed in';
  const mail = {
    from: process.env.MAIL_FROM || 'Hearth Blog <blog@example.com>',
    to: [process.env.MAIL_TO || 'owner@example.com'],
    reply_to: form.email,
    subject: `Blog contact form: ${form.name}`,
    text: `${form.message}\n\n— ${form.name} <${form.email}>, ${sender}`,
  };

  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(mail),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    console.error(`contact: the mail API did not answer: ${e.name}`);
    return fail(res, 502, 'unavailable', 'We could not send your message right now. Please try again later.');
  }
  if (!response.ok) {
    // The API's answer may echo what we sent (headers included): log its status only.
    console.error(`contact: the mail API answered ${response.status}`);
    return fail(res, 502, 'unavailable', 'We could not send your message right now. Please try again later.');
  }
  return res.status(200).json({ ok: true });
}
