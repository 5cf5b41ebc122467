// The contact form: POST /api/contact, a function on the server (../api/contact.js) that
// holds the mail API's key. The page never sees the key.
import { $, MESSAGES, busy, friendly } from './ui.js';

export function startContact(session) {
  $('contact-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const status = $('contact-status');
    const fields = Object.fromEntries(new FormData(form));
    status.className = 'form-message';
    for (const name of ['name', 'email', 'message']) {
      const input = form.elements[name];
      if (!input.value.trim() || !input.checkValidity()) {
        status.classList.add('error');
        status.textContent = name === 'email' ? MESSAGES['auth/invalid-email'] : `Please fill in your ${name}.`;
        return input.focus();
      }
    }
    try {
      await busy($('contact-send'), async () => {
        const headers = { 'Content-Type': 'application/json' };
        // Signed in: the function learns who wrote (req.auth), verified by the server.
        const token = await session.user?.getIdToken().catch(() => null);
        if (token) headers.Authorization = `Bearer ${token}`;
        const response = await fetch('/api/contact', { method: 'POST', headers, body: JSON.stringify(fields) });
        const json = await response.json().catch(() => null);
        // The function's messages are written for visitors: show them as they are.
        if (!response.ok) {
          throw Object.assign(new Error(json?.error?.message ?? `HTTP ${response.status}`),
                              { shown: !!json?.error?.message });
        }
      });
    } catch (e) {
      status.classList.add('error');
      status.textContent = e.shown ? e.message : friendly({ code: 'unavailable' });
      return;
    }
    form.reset();
    status.classList.add('success');
    status.textContent = 'Thank you! Your message is on its way.';
  });
}
