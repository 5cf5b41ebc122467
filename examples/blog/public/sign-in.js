// The sign-in dialog (email and password, or Google) and the sign-out button.
import {
  GoogleAuthProvider, createUserWithEmailAndPassword, getRedirectResult, signInWithEmailAndPassword,
  signInWithPopup, signInWithRedirect, signOut, updateProfile,
} from '/__/hearth/sdk.js';

import { $, MESSAGES, busy, friendly, toast } from './ui.js';

export function startSignIn(auth, session) {
  const dialog = $('auth-dialog');
  let mode = 'sign-in';

  function setMode(next) {
    mode = next;
    const signUp = mode === 'sign-up';
    $('tab-sign-in').setAttribute('aria-selected', String(!signUp));
    $('tab-sign-up').setAttribute('aria-selected', String(signUp));
    $('tab-sign-in').tabIndex = signUp ? -1 : 0;
    $('tab-sign-up').tabIndex = signUp ? 0 : -1;
    $('auth-form').setAttribute('aria-labelledby', signUp ? 'tab-sign-up' : 'tab-sign-in');
    $('display-name-field').hidden = !signUp;
    $('auth-title').textContent = signUp ? 'Create an account' : 'Sign in';
    $('auth-submit').textContent = signUp ? 'Create account' : 'Sign in';
    $('auth-password').autocomplete = signUp ? 'new-password' : 'current-password';
    $('password-hint').hidden = !signUp;
    $('auth-error').textContent = '';
  }

  session.openSignIn = (next = 'sign-in') => {
    setMode(next);
    if (!dialog.open) dialog.showModal();
    (next === 'sign-up' ? $('auth-name') : $('auth-email')).focus();
  };

  function welcome() {
    dialog.close();
    session.renderAccount();
    toast(`Welcome, ${session.displayName()}!`);
  }

  $('open-sign-in').addEventListener('click', () => session.openSignIn());
  $('cta-sign-in').addEventListener('click', () => session.openSignIn());
  $('tab-sign-in').addEventListener('click', () => setMode('sign-in'));
  $('tab-sign-up').addEventListener('click', () => setMode('sign-up'));
  for (const tab of [$('tab-sign-in'), $('tab-sign-up')]) {
    tab.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
      setMode(mode === 'sign-in' ? 'sign-up' : 'sign-in');
      $(mode === 'sign-in' ? 'tab-sign-in' : 'tab-sign-up').focus();
    });
  }
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();  // a click on the backdrop
  });

  $('auth-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const email = $('auth-email').value.trim();
    const password = $('auth-password').value;
    const name = $('auth-name').value.trim();
    const error = $('auth-error');
    error.textContent = '';
    if (!email || !$('auth-email').checkValidity()) {
      error.textContent = MESSAGES['auth/invalid-email'];
      return $('auth-email').focus();
    }
    if (mode === 'sign-up' && password.length < 8) {
      error.textContent = MESSAGES['auth/weak-password'];
      return $('auth-password').focus();
    }
    if (!password) {
      error.textContent = MESSAGES['auth/missing-password'];
      return $('auth-password').focus();
    }
    try {
      await busy($('auth-submit'), async () => {
        if (mode === 'sign-up') {
          session.pendingName = name;
          const credential = await createUserWithEmailAndPassword(auth, email, password);
          if (name) await updateProfile(credential.user, { displayName: name });
        } else {
          await signInWithEmailAndPassword(auth, email, password);
        }
      });
    } catch (e) {
      error.textContent = friendly(e);
      return;
    }
    $('auth-form').reset();
    welcome();
  });

  // "Continue with Google" shows only when hearth.json configures a provider named google
  // (README.md says how).
  fetch('/api/auth-providers')
    .then((r) => (r.ok ? r.json() : { providers: [] }))
    .then(({ providers }) => { $('google-area').hidden = !providers.includes('google'); })
    .catch(() => {});

  $('google-sign-in').addEventListener('click', async () => {
    const provider = new GoogleAuthProvider();
    $('auth-error').textContent = '';
    try {
      await signInWithPopup(auth, provider);
    } catch (e) {
      if (e.code === 'auth/popup-blocked') return signInWithRedirect(auth, provider);
      $('auth-error').textContent = friendly(e);
      return;
    }
    welcome();
  });

  // Back from a redirect sign-in (when the popup was blocked): only errors need saying.
  getRedirectResult(auth).catch((e) => toast(friendly(e), 'error'));

  $('sign-out').addEventListener('click', async () => {
    await signOut(auth);
    toast('You are signed out.');
  });
}
