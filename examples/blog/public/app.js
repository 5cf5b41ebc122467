// The blog's front end: plain JavaScript modules, no build step. The SDK comes from the
// Hearth server itself (/__/hearth/sdk.js) and speaks Firebase's modular API, so the code
// reads like a Firebase app's. What the server allows is decided by ../firestore.rules;
// the page only hides what would be refused anyway.
//
//   ui.js       messages, notes, times          session.js  who is signed in, their profile
//   sign-in.js  the sign-in dialog, sign-out    feed.js     the live list of posts
//   writing.js  publish, like, edit, delete     contact.js  the contact form
import { getAuth, getFirestore, initializeApp } from '/__/hearth/sdk.js';

import { startContact } from './contact.js';
import { startFeed } from './feed.js';
import { startSession } from './session.js';
import { startSignIn } from './sign-in.js';
import { $ } from './ui.js';
import { startWriting } from './writing.js';

// Opened as the "Sign in with Google" popup and back from the provider: the page that
// opened this window reads the result from its address and closes it. Nothing to start.
if (new URLSearchParams(location.search).has('hearth_popup')) {
  document.body.classList.remove('auth-pending');
  document.body.classList.add('popup');
  $('main').replaceChildren(Object.assign(document.createElement('p'), {
    className: 'card', textContent: 'Finishing sign-in… You can close this window if it stays open.',
  }));
} else {
  const app = initializeApp();  // the server this page came from
  const db = getFirestore(app);
  const auth = getAuth(app);
  const session = startSession(auth, db);
  startSignIn(auth, session);
  const feed = startFeed(db, session);
  startWriting(db, session, feed);
  startContact(session);
}
