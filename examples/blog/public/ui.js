// Small pieces of user interface shared by the page's modules: friendly error messages,
// notes in the corner, announcements for screen readers, busy buttons, and times.

export const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------
// Messages people can act on, from the codes of FirebaseError.
// ---------------------------------------------------------------------------------------

export const MESSAGES = {
  'auth/invalid-credential': 'That email and password do not match an account.',
  'auth/user-not-found': 'That email and password do not match an account.',
  'auth/email-already-in-use': 'There is already an account with this email. Try signing in instead.',
  'auth/weak-password': 'Choose a password of at least 8 characters.',
  'auth/missing-password': 'Enter your password.',
  'auth/invalid-email': 'That does not look like an email address.',
  'auth/missing-email': 'Enter your email address.',
  'auth/too-many-requests': 'Too many attempts. Wait a minute, then try again.',
  'auth/network-request-failed': 'The server cannot be reached. Check your connection and try again.',
  'auth/user-disabled': 'This account has been disabled.',
  'auth/popup-closed-by-user': 'Sign-in was cancelled.',
  'auth/user-cancelled': 'Sign-in was cancelled.',
  'auth/account-exists-with-different-credential':
    'This email already has an account with a password. Sign in with your password instead.',
  'auth/user-token-expired': 'Your session has ended. Please sign in again.',
  'auth/internal-error': 'Sign-in did not work. Please try again.',
  'permission-denied': 'You are not allowed to do that.',
  unauthenticated: 'Your session has ended. Please sign in again.',
  'not-found': 'That post no longer exists.',
  'resource-exhausted': 'Too many requests right now. Wait a moment, then try again.',
  unavailable: 'The server cannot be reached. Check your connection and try again.',
  'deadline-exceeded': 'The server took too long to answer. Please try again.',
};

export function friendly(error) {
  if (error?.code && MESSAGES[error.code]) return MESSAGES[error.code];
  if (error?.code === 'invalid-argument' || error?.code === 'failed-precondition') {
    return `That was not accepted: ${error.message}`;
  }
  console.error(error);
  return `Something went wrong${error?.code ? ` (${error.code})` : ''}. Please try again.`;
}

// Short notes in the corner, read out by screen readers (the container is a live region).
export function toast(message, kind = 'info') {
  const box = document.createElement('div');
  box.className = `toast ${kind}`;
  const text = document.createElement('span');
  text.textContent = message;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'icon-button';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => box.remove());
  box.append(text, close);
  $('toasts').append(box);
  setTimeout(() => box.remove(), kind === 'error' ? 8000 : 4000);
}

// Screen readers hear about new posts without the whole feed being a live region.
export function announce(message) {
  const announcer = $('announcer');
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = message; }, 50);
}

export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// ---------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function ago(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const steps = [[60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day']];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return unit === 'second' ? 'just now' : relative.format(value, unit);
    value = Math.round(value / size);
  }
  return dateFormat.format(date);
}

export function setTime(element, timestamp) {
  const date = timestamp?.toDate?.();
  if (!date) {
    element.textContent = 'just now';
    element.removeAttribute('datetime');
    return;
  }
  element.dateTime = date.toISOString();
  element.title = dateFormat.format(date);
  element.textContent = ago(date);
}

setInterval(() => {
  for (const t of document.querySelectorAll('time[datetime]')) {
    t.textContent = ago(new Date(t.dateTime));
  }
}, 30000);

// Restarts the CSS animation `name` on `element` (the class is removed when it ends).
export function flash(element, name) {
  element.classList.remove('entering', 'changed');
  void element.offsetWidth;  // restart the animation
  element.classList.add(name);
  afterAnimation(element, () => element.classList.remove(name));
}

// Calls `fn` once the element's own animation ends (not one of its children's).
export function afterAnimation(element, fn) {
  const done = (event) => {
    if (event.target !== element) return;
    element.removeEventListener('animationend', done);
    fn();
  };
  element.addEventListener('animationend', done);
}
