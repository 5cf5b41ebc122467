// Who is signed in, and their profile document users/{uid}: the name others see and the
// posts they liked. The other modules read it and hear about its changes through onChange.
import { doc, onAuthStateChanged, onSnapshot, setDoc } from '/__/hearth/sdk.js';

import { $ } from './ui.js';

export function startSession(auth, db) {
  const listeners = new Set();
  let stopProfile = null;

  const session = {
    user: null,       // the signed-in User, or null
    profile: null,    // users/{uid}: {displayName, liked}, once read
    pendingName: '',  // the display name typed at sign-up, until the server has it
    // Set by the sign-in dialog (sign-in.js).
    openSignIn: () => {},

    displayName() {
      const { user, profile } = session;
      return user?.displayName || profile?.displayName || session.pendingName ||
             user?.email?.split('@')[0] || 'Someone';
    },
    liked: (postId) => (session.profile?.liked ?? []).includes(postId),

    // A like or unlike was committed: remember it until the profile's snapshot says so,
    // so that a quick second click undoes it rather than liking twice (the rules would
    // refuse that).
    noteLike(postId, liked) {
      const list = (session.profile?.liked ?? []).filter((id) => id !== postId);
      session.profile = { ...session.profile, liked: liked ? [...list, postId] : list };
      changed();
    },

    onChange(fn) {
      listeners.add(fn);
    },

    // Shows the user's name in the header (after a sign-up names them, for one).
    renderAccount,
  };

  function changed() {
    renderAccount();
    for (const fn of listeners) fn();
  }

  function renderAccount() {
    if (!session.user) return;
    const name = session.displayName();
    $('user-name').textContent = name;
    $('avatar').textContent = name.trim().charAt(0).toUpperCase() || '?';
  }

  // The profile document is made on the first sign-in.
  function watchProfile() {
    stopProfile?.();
    stopProfile = null;
    session.profile = null;
    if (!session.user) return;
    const ref = doc(db, 'users', session.user.uid);
    let created = false;
    stopProfile = onSnapshot(ref, (snapshot) => {
      session.profile = snapshot.data() ?? null;
      if (!snapshot.exists() && !created) {
        created = true;
        setDoc(ref, { displayName: session.displayName().slice(0, 80) }, { merge: true })
          .catch((e) => console.warn('could not create the profile:', e));
      }
      changed();
    }, (e) => console.warn('profile listener ended:', e));
  }

  onAuthStateChanged(auth, (user) => {
    session.user = user;
    document.body.classList.remove('auth-pending');
    for (const element of document.querySelectorAll('[data-show]')) {
      element.hidden = (element.dataset.show === 'signed-in') !== !!user;
    }
    watchProfile();
    changed();
  });

  return session;
}
