// The blog's front end: plain JavaScript, no build step. The SDK comes from the Hearth
// server itself (/__/hearth/sdk.js) and speaks Firebase's modular API, so this file reads
// like a Firebase app. What the server allows is decided by ../firestore.rules; this
// page only hides what would be refused anyway.

import {
  GoogleAuthProvider, addDoc, arrayRemove, arrayUnion, collection, createUserWithEmailAndPassword,
  deleteDoc, doc, getAuth, getFirestore, getRedirectResult, increment, initializeApp, limit,
  onAuthStateChanged, onSnapshot, orderBy, query, serverTimestamp, setDoc, signInWithEmailAndPassword,
  signInWithPopup, signInWithRedirect, signOut, updateDoc, updateProfile, writeBatch,
} from '/__/hearth/sdk.js';

const FEED_SIZE = 50;
const TITLE_MAX = 120;
const BODY_MAX = 10000;
const POST_PATH = /^\/posts\/([A-Za-z0-9_-]{1,100})\/?$/;

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------
// Messages people can act on, from the codes of FirebaseError.
// ---------------------------------------------------------------------------------------

const MESSAGES = {
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

function friendly(error) {
  if (error?.code && MESSAGES[error.code]) return MESSAGES[error.code];
  if (error?.code === 'invalid-argument' || error?.code === 'failed-precondition') {
    return `That was not accepted: ${error.message}`;
  }
  console.error(error);
  return `Something went wrong${error?.code ? ` (${error.code})` : ''}. Please try again.`;
}

// Short notes in the corner, read out by screen readers (the container is a live region).
function toast(message, kind = 'info') {
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
function announce(message) {
  const announcer = $('announcer');
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = message; }, 50);
}

async function busy(button, work) {
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

function ago(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const steps = [[60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day']];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return unit === 'second' ? 'just now' : relative.format(value, unit);
    value = Math.round(value / size);
  }
  return dateFormat.format(date);
}

function setTime(element, timestamp) {
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

// ---------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------

// Opened as the "Sign in with Google" popup and back from the provider: the page that
// opened this window reads the result from its address and closes it.
if (new URLSearchParams(location.search).has('hearth_popup')) {
  document.body.classList.remove('auth-pending');
  document.body.classList.add('popup');
  $('main').replaceChildren(Object.assign(document.createElement('p'), {
    className: 'card', textContent: 'Finishing sign-in… You can close this window if it stays open.',
  }));
} else {
  start();
}

function start() {
  const app = initializeApp();  // the server this page came from
  const db = getFirestore(app);
  const auth = getAuth(app);

  let user = null;        // the signed-in user, or null
  let profile = null;     // users/{uid}: {displayName, liked}
  let stopProfile = null;
  let pendingName = '';   // the display name typed at sign-up, until the server has it
  const posts = new Map();  // id -> {element, data}

  const displayName = () =>
    user?.displayName || profile?.displayName || pendingName || user?.email?.split('@')[0] || 'Someone';
  const liked = (id) => (profile?.liked ?? []).includes(id);

  // ---- Account ----

  onAuthStateChanged(auth, (next) => {
    user = next;
    document.body.classList.remove('auth-pending');
    for (const element of document.querySelectorAll('[data-show]')) {
      element.hidden = (element.dataset.show === 'signed-in') !== !!user;
    }
    watchProfile();
    renderAccount();
    for (const id of posts.keys()) renderPost(id);
  });

  getRedirectResult(auth).catch((e) => toast(friendly(e), 'error'));

  function renderAccount() {
    if (!user) return;
    const name = displayName();
    $('user-name').textContent = name;
    $('avatar').textContent = name.trim().charAt(0).toUpperCase() || '?';
  }

  // The user's profile document: their name for others, and which posts they liked.
  // Made on the first sign-in.
  function watchProfile() {
    stopProfile?.();
    stopProfile = null;
    profile = null;
    if (!user) return;
    const uid = user.uid;
    const ref = doc(db, 'users', uid);
    let created = false;
    stopProfile = onSnapshot(ref, (snapshot) => {
      profile = snapshot.data() ?? null;
      if (!snapshot.exists() && !created) {
        created = true;
        setDoc(ref, { displayName: displayName().slice(0, 80) }, { merge: true })
          .catch((e) => console.warn('could not create the profile:', e));
      }
      renderAccount();
      for (const id of posts.keys()) renderLike(id);
    }, (e) => console.warn('profile listener ended:', e));
  }

  // ---- The sign-in dialog ----

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

  function openSignIn(next = 'sign-in') {
    setMode(next);
    if (!dialog.open) dialog.showModal();
    (next === 'sign-up' ? $('auth-name') : $('auth-email')).focus();
  }

  $('open-sign-in').addEventListener('click', () => openSignIn());
  $('cta-sign-in').addEventListener('click', () => openSignIn());
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
          pendingName = name;
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
    dialog.close();
    renderAccount();
    toast(`Welcome, ${displayName()}!`);
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
    dialog.close();
    toast(`Welcome, ${displayName()}!`);
  });

  $('sign-out').addEventListener('click', async () => {
    await signOut(auth);
    toast('You are signed out.');
  });

  // ---- Writing ----

  function counter(input, output, max) {
    const update = () => { output.textContent = `${input.value.length} / ${max}`; };
    input.addEventListener('input', update);
    input.form.addEventListener('reset', () => setTimeout(update));
    update();
  }
  counter($('post-title'), $('post-title-count'), TITLE_MAX);
  counter($('post-body'), $('post-body-count'), BODY_MAX);

  // The problem with a title and body, as the rules check them; '' if none.
  function checkPost(title, body) {
    if (!title.trim()) return 'Give your post a title.';
    if (title.length > TITLE_MAX) return `Keep the title under ${TITLE_MAX} characters.`;
    if (body.length > BODY_MAX) return `Keep the post under ${BODY_MAX} characters.`;
    return '';
  }

  $('post-body').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) $('post-form').requestSubmit();
  });

  $('post-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const title = $('post-title').value.trim();
    const body = $('post-body').value.trim();
    const problem = checkPost(title, body);
    $('post-error').textContent = problem;
    if (problem) return $('post-title').focus();
    if (!user) return openSignIn();
    try {
      await busy($('publish'), () => addDoc(collection(db, 'posts'), {
        title, body, author: user.uid, authorName: displayName().slice(0, 80),
        createdAt: serverTimestamp(), likes: 0,
      }));
    } catch (e) {
      $('post-error').textContent = friendly(e);
      return;
    }
    $('post-form').reset();
    toast('Published.');
  });

  // ---- The feed ----

  const feed = $('feed');
  const template = $('post-template');
  const single = POST_PATH.exec(location.pathname)?.[1] ?? null;
  let first = true;

  if (single) {
    document.body.classList.add('single');
    $('feed-title').textContent = 'Post';
    $('all-posts').hidden = false;
  } else if (location.pathname !== '/' && location.pathname !== '/index.html') {
    toast('That page does not exist. Here are the latest posts instead.');
    history.replaceState(null, '', '/');
  }

  function listen() {
    const onError = (e) => {
      setConnection(false);
      $('feed-status').replaceChildren(`Posts cannot be shown: ${friendly(e)} `,
        Object.assign(document.createElement('button'), {
          type: 'button', className: 'button small', textContent: 'Try again', onclick: listen,
        }));
      $('feed-status').hidden = false;
    };
    if (single) {
      return onSnapshot(doc(db, 'posts', single), { includeMetadataChanges: true }, (snapshot) => {
        const had = posts.has(single);
        const type = snapshot.exists() ? (had ? 'modified' : 'added') : (had ? 'removed' : null);
        document.title = snapshot.exists() ? `${snapshot.get('title')} · Hearth Blog` : 'Hearth Blog';
        apply(snapshot.metadata, type ? [{ type, doc: snapshot }] : [], snapshot.exists() ? [snapshot] : []);
      }, onError);
    }
    const latest = query(collection(db, 'posts'), orderBy('createdAt', 'desc'), limit(FEED_SIZE));
    return onSnapshot(latest, { includeMetadataChanges: true },
      (snapshot) => apply(snapshot.metadata, snapshot.docChanges(), snapshot.docs), onError);
  }

  // Applies one snapshot: new posts slide in, changed ones flash, removed ones fade out,
  // and the list ends up in the query's order.
  function apply(metadata, changes, docs) {
    setConnection(metadata.fromCache);
    if (metadata.fromCache && !changes.length && !first) return;
    const animate = !first;
    for (const change of changes) {
      const id = change.doc.id;
      if (change.type === 'removed') {
        removePost(id, animate);
        continue;
      }
      const data = change.doc.data();
      const entry = posts.get(id);
      if (entry) {
        entry.data = data;
        renderPost(id);
        if (animate) flash(entry.element, 'changed');
      } else {
        const element = template.content.firstElementChild.cloneNode(true);
        posts.set(id, { element, data });
        wirePost(id, element);
        renderPost(id);
        if (animate) {
          flash(element, 'entering');
          if (data.author !== user?.uid) announce(`New post by ${data.authorName}: ${data.title}`);
        }
      }
    }
    // Put the elements in the query's order (leaving ones stay where they are).
    let previous = null;
    for (const snapshot of docs) {
      const element = posts.get(snapshot.id)?.element;
      if (!element) continue;
      let wanted = previous ? previous.nextElementSibling : feed.firstElementChild;
      while (wanted?.classList.contains('leaving')) wanted = wanted.nextElementSibling;
      if (element !== wanted) feed.insertBefore(element, wanted);
      previous = element;
    }
    renderStatus();
    if (first) {
      first = false;
      performance.mark('blog:feed-ready');
      document.documentElement.dataset.feed = 'ready';
    }
  }

  function renderStatus() {
    const status = $('feed-status');
    if (posts.size) {
      status.hidden = true;
      status.textContent = '';
    } else {
      status.hidden = false;
      status.textContent = single ? 'This post does not exist, or it was deleted.'
        : 'No posts yet. Be the first to write one!';
    }
  }

  function flash(element, name) {
    element.classList.remove('entering', 'changed');
    void element.offsetWidth;  // restart the animation
    element.classList.add(name);
    afterAnimation(element, () => element.classList.remove(name));
  }

  // Calls `fn` once the element's own animation ends (not one of its children's).
  function afterAnimation(element, fn) {
    const done = (event) => {
      if (event.target !== element) return;
      element.removeEventListener('animationend', done);
      fn();
    };
    element.addEventListener('animationend', done);
  }

  function removePost(id, animate) {
    const entry = posts.get(id);
    if (!entry) return;
    posts.delete(id);
    const { element } = entry;
    if (element.contains(document.activeElement)) $('feed-title').focus?.();
    if (!animate || matchMedia('(prefers-reduced-motion: reduce)').matches) {
      element.remove();
      return;
    }
    element.classList.add('leaving');
    afterAnimation(element, () => element.remove());
    setTimeout(() => element.remove(), 1000);  // in case no animation runs
  }

  function wirePost(id, element) {
    element.dataset.id = id;
    element.querySelector('.post-title').id = `post-${id}-title`;
    element.querySelector('article').setAttribute('aria-labelledby', `post-${id}-title`);
    element.querySelector('.like').addEventListener('click', (event) => toggleLike(id, event.currentTarget));
    element.querySelector('.edit').addEventListener('click', () => startEdit(id));
    element.querySelector('.delete').addEventListener('click', () => confirmDelete(id));
  }

  function renderPost(id) {
    const entry = posts.get(id);
    if (!entry) return;
    const { element, data } = entry;
    element.dataset.author = data.author;
    const link = element.querySelector('.post-link');
    link.textContent = data.title;
    link.href = `/posts/${id}`;
    element.querySelector('.post-author').textContent = data.authorName || 'Someone';
    setTime(element.querySelector('.post-time'), data.createdAt);
    element.querySelector('.post-edited').hidden = !data.updatedAt;
    const body = element.querySelector('.post-body');
    body.textContent = data.body;
    body.hidden = !data.body;
    element.querySelector('.owner-actions').hidden = !user || user.uid !== data.author;
    renderLike(id);
  }

  function renderLike(id) {
    const entry = posts.get(id);
    if (!entry) return;
    const button = entry.element.querySelector('.like');
    const count = Number(entry.data.likes) || 0;
    const mine = liked(id);
    button.querySelector('.like-count').textContent = String(count);
    button.setAttribute('aria-pressed', String(mine));
    button.setAttribute('aria-label',
      `${mine ? 'Unlike' : 'Like'} “${entry.data.title}” (${count} ${count === 1 ? 'like' : 'likes'})`);
    button.title = user ? '' : 'Sign in to like posts';
  }

  // A like is two writes in one batch: the post's count and the user's list of liked
  // posts; the rules accept the one only with the other, so each person counts once.
  async function toggleLike(id, button) {
    if (!user) return openSignIn();
    const mine = liked(id);
    const batch = writeBatch(db);
    batch.update(doc(db, 'posts', id), { likes: increment(mine ? -1 : 1) });
    batch.set(doc(db, 'users', user.uid), { liked: mine ? arrayRemove(id) : arrayUnion(id) },
              { merge: true });
    try {
      await busy(button, () => batch.commit());
    } catch (e) {
      toast(e.code === 'permission-denied' ? 'Your like could not be saved. Reload the page and try again.'
        : friendly(e), 'error');
      return;
    }
    // Until the profile's snapshot arrives, remember the like here, so that a quick second
    // click undoes it rather than liking twice (which the rules would refuse).
    const list = (profile?.liked ?? []).filter((p) => p !== id);
    profile = { ...profile, liked: mine ? list : [...list, id] };
    renderLike(id);
  }

  function startEdit(id) {
    const entry = posts.get(id);
    if (!entry || entry.element.classList.contains('editing')) return;
    const article = entry.element.querySelector('article');
    const form = document.createElement('form');
    form.className = 'edit-form';
    form.noValidate = true;
    const field = (label, control) => {
      const wrap = document.createElement('div');
      wrap.className = 'field';
      const l = document.createElement('label');
      l.textContent = label;
      l.htmlFor = control.id;
      wrap.append(l, control);
      return wrap;
    };
    const title = Object.assign(document.createElement('input'), {
      id: `edit-${id}-title`, type: 'text', maxLength: TITLE_MAX, value: entry.data.title, required: true,
    });
    const body = Object.assign(document.createElement('textarea'), {
      id: `edit-${id}-body`, rows: 5, maxLength: BODY_MAX, value: entry.data.body ?? '',
    });
    const error = Object.assign(document.createElement('p'), { className: 'form-error' });
    error.setAttribute('role', 'alert');
    const save = Object.assign(document.createElement('button'), {
      type: 'submit', className: 'button primary small', textContent: 'Save',
    });
    const cancel = Object.assign(document.createElement('button'), {
      type: 'button', className: 'button ghost small', textContent: 'Cancel',
    });
    const actions = document.createElement('div');
    actions.className = 'form-actions';
    actions.append(error, cancel, save);
    form.append(field('Title', title), field('Post', body), actions);

    const finish = () => {
      form.remove();
      article.hidden = false;
      entry.element.classList.remove('editing');
      renderPost(id);
      entry.element.querySelector('.edit')?.focus();
    };
    cancel.addEventListener('click', finish);
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') finish();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const problem = checkPost(title.value.trim(), body.value.trim());
      error.textContent = problem;
      if (problem) return;
      try {
        await busy(save, () => updateDoc(doc(db, 'posts', id), {
          title: title.value.trim(), body: body.value.trim(), updatedAt: serverTimestamp(),
        }));
      } catch (e) {
        error.textContent = friendly(e);
        return;
      }
      finish();
      toast('Saved.');
    });

    entry.element.classList.add('editing');
    article.hidden = true;
    entry.element.append(form);
    title.focus();
  }

  function confirmDelete(id) {
    const entry = posts.get(id);
    if (!entry) return;
    const actions = entry.element.querySelector('.owner-actions');
    const question = document.createElement('span');
    question.className = 'confirm';
    question.setAttribute('role', 'group');
    question.setAttribute('aria-label', 'Confirm deletion');
    const text = Object.assign(document.createElement('span'), { textContent: 'Delete this post?' });
    const yes = Object.assign(document.createElement('button'), {
      type: 'button', className: 'button small danger-solid', textContent: 'Delete',
    });
    const no = Object.assign(document.createElement('button'), {
      type: 'button', className: 'button small ghost', textContent: 'Keep it',
    });
    question.append(text, yes, no);
    const restore = () => {
      question.remove();
      actions.hidden = false;
      renderPost(id);
      actions.querySelector('.delete').focus();
    };
    no.addEventListener('click', restore);
    yes.addEventListener('click', async () => {
      try {
        await busy(yes, () => deleteDoc(doc(db, 'posts', id)));
        toast('Deleted.');
      } catch (e) {
        toast(friendly(e), 'error');
        restore();
      }
    });
    actions.hidden = true;
    actions.after(question);
    no.focus();
  }

  // ---- Connection ----

  let offlineTimer = null;
  function setConnection(fromCache) {
    // A short drop is not worth a banner; a longer one is.
    clearTimeout(offlineTimer);
    if (!fromCache) {
      $('connection').hidden = true;
      document.documentElement.dataset.connection = 'live';
      return;
    }
    document.documentElement.dataset.connection = 'reconnecting';
    offlineTimer = setTimeout(() => { $('connection').hidden = false; }, 800);
  }

  listen();

  // ---- Contact ----

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
        status.textContent = name === 'email' ? MESSAGES['auth/invalid-email']
          : `Please fill in your ${name}.`;
        return input.focus();
      }
    }
    try {
      const answer = await busy($('contact-send'), async () => {
        const headers = { 'Content-Type': 'application/json' };
        // Signed in: the function learns who wrote (req.auth), verified by the server.
        const token = await user?.getIdToken().catch(() => null);
        if (token) headers.Authorization = `Bearer ${token}`;
        const response = await fetch('/api/contact', {
          method: 'POST', headers, body: JSON.stringify(fields),
        });
        const json = await response.json().catch(() => null);
        if (!response.ok) {
          throw Object.assign(new Error(json?.error?.message ?? `HTTP ${response.status}`),
                              { code: json?.error?.code, shown: !!json?.error?.message });
        }
        return json;
      });
      if (answer?.ok) {
        form.reset();
        status.classList.add('success');
        status.textContent = 'Thank you! Your message is on its way.';
      }
    } catch (e) {
      status.classList.add('error');
      status.textContent = e.shown ? e.message : friendly({ code: 'unavailable' });
    }
  });
}
