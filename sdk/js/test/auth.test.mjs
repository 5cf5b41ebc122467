// Auth: accounts, sign-in and its errors, state observers, persistence, token refresh
// (forced, proactive, and after a 401), profile and password changes, email actions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  EmailAuthProvider, applyActionCode, confirmPasswordReset, createUserWithEmailAndPassword,
  deleteApp, deleteUser, doc, getAuth, getDoc, getFirestore, initializeApp, initializeAuth,
  inMemoryPersistence, linkWithCredential, onAuthStateChanged, onIdTokenChanged,
  reauthenticateWithCredential, reload, sendEmailVerification, sendPasswordResetEmail, setDoc,
  signInAnonymously, signInWithCredential, signInWithEmailAndPassword, signOut, updateEmail,
  updatePassword, updateProfile,
} from '../hearth.js';
import { deleteApps, newApp, sleep, uniqueEmail } from './helpers.mjs';
import { startServer } from './server.mjs';

const PASSWORD = 'correct horse battery';

// A persistence the test can look into.
function mapPersistence() {
  const map = new Map();
  return { map, type: 'TEST', get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, structuredClone(v)),
    remove: (k) => void map.delete(k) };
}

// The oobCode of the last link the server logged for `email` (no SMTP: links go to the log).
async function linkCode(server, mode) {
  for (let i = 0; i < 50; i++) {
    const links = [...server.log().matchAll(new RegExp(`mode=${mode}&oobCode=([^\\s&]+)`, 'g'))];
    if (links.length) return decodeURIComponent(links.at(-1)[1]);
    await sleep(50);
  }
  throw new Error(`no ${mode} link in the server log`);
}

let server;
before(async () => {
  server = await startServer({ hearthJson: { auth: { actionUrl: 'http://app.test/action' } } });
});
after(async () => {
  await deleteApps();
  await server.stop();
});

describe('accounts and sign-in', () => {
  test('createUserWithEmailAndPassword signs the new user in', async () => {
    const auth = getAuth(newApp(server));
    const email = uniqueEmail();
    const states = [];
    onAuthStateChanged(auth, (u) => states.push(u?.email ?? null));
    await auth.authStateReady();
    const cred = await createUserWithEmailAndPassword(auth, email, PASSWORD);
    assert.equal(cred.user, auth.currentUser);
    assert.equal(cred.operationType, 'signIn');
    const user = auth.currentUser;
    assert.match(user.uid, /^[A-Za-z0-9]{28}$/);
    assert.equal(user.email, email);
    assert.equal(user.emailVerified, false);
    assert.equal(user.isAnonymous, false);
    assert.equal(user.displayName, null);
    assert.deepEqual(user.providerData.map((p) => p.providerId), ['password']);
    assert.ok(user.metadata.creationTime);
    assert.ok(user.refreshToken);
    await sleep(10);
    assert.deepEqual(states, [null, email]);
  });

  test('sign-up errors: email in use, weak password, bad email', async () => {
    const auth = getAuth(newApp(server));
    const email = uniqueEmail();
    await createUserWithEmailAndPassword(auth, email, PASSWORD);
    await assert.rejects(createUserWithEmailAndPassword(auth, email, PASSWORD),
                         { name: 'FirebaseError', code: 'auth/email-already-in-use' });
    await assert.rejects(createUserWithEmailAndPassword(auth, uniqueEmail(), 'short'),
                         { code: 'auth/weak-password' });
    await assert.rejects(createUserWithEmailAndPassword(auth, 'not-an-email', PASSWORD),
                         { code: 'auth/invalid-email' });
    assert.equal(auth.currentUser.email, email, 'failures keep the signed-in user');
  });

  test('signInWithEmailAndPassword, wrong password, unknown user', async () => {
    const email = uniqueEmail();
    await createUserWithEmailAndPassword(getAuth(newApp(server)), email, PASSWORD);
    const auth = getAuth(newApp(server));
    await assert.rejects(signInWithEmailAndPassword(auth, email, 'wrong password!'),
                         { code: 'auth/invalid-credential' });
    await assert.rejects(signInWithEmailAndPassword(auth, uniqueEmail('nobody'), PASSWORD),
                         { code: 'auth/invalid-credential' });
    assert.equal(auth.currentUser, null);
    const { user } = await signInWithEmailAndPassword(auth, email.toUpperCase(), PASSWORD);
    assert.equal(user.email, email);
    const again = await signInWithCredential(getAuth(newApp(server)),
      EmailAuthProvider.credential(email, PASSWORD));
    assert.equal(again.user.uid, user.uid);
  });

  test('signInAnonymously keeps the anonymous user', async () => {
    const auth = getAuth(newApp(server));
    const { user } = await signInAnonymously(auth);
    assert.equal(user.isAnonymous, true);
    assert.equal(user.email, null);
    assert.deepEqual(user.providerData, []);
    assert.equal((await signInAnonymously(auth)).user.uid, user.uid);
  });

  test('signOut, and the observers', async () => {
    const auth = getAuth(newApp(server));
    const states = [];
    const tokens = [];
    const stopState = onAuthStateChanged(auth, (u) => states.push(u ? 'in' : 'out'));
    onIdTokenChanged(auth, { next: (u) => tokens.push(u ? 'in' : 'out') });
    await signInAnonymously(auth);
    await auth.currentUser.getIdToken(true);
    await signOut(auth);
    assert.equal(auth.currentUser, null);
    await signOut(auth);  // signed out already: nothing happens
    stopState();
    await signInAnonymously(auth);
    assert.deepEqual(states, ['out', 'in', 'out'], 'token refreshes do not change the auth state');
    assert.deepEqual(tokens, ['out', 'in', 'in', 'out', 'in']);
  });

  test('the signed-in user is who the rules see', async () => {
    const app = newApp(server);
    const db = getFirestore(app);
    const { user } = await signInAnonymously(getAuth(app));
    await setDoc(doc(db, `owned/${user.uid}/notes/n`), { text: 'mine' });
    assert.equal((await getDoc(doc(db, `owned/${user.uid}/notes/n`))).data().text, 'mine');
    await assert.rejects(getDoc(doc(db, 'owned/someone-else/notes/n')), { code: 'permission-denied' });
    await signOut(getAuth(app));
    await assert.rejects(getDoc(doc(db, `owned/${user.uid}/notes/n`)), { code: 'permission-denied' });
  });
});

describe('sessions and tokens', () => {
  test('the session persists across a reload (same persistence)', async () => {
    const persistence = mapPersistence();
    const first = newApp(server);
    initializeAuth(first, { persistence });
    const { user } = await signInAnonymously(getAuth(first));
    assert.equal(persistence.map.size, 1);
    await deleteApp(first);
    // A "reload": a new app with the same name and url finds the session.
    const second = initializeApp({ url: server.url }, first.name);
    const auth = initializeAuth(second, { persistence });
    assert.equal(auth.currentUser, null, 'not before the persistence is read');
    const seen = await new Promise((resolve) => onAuthStateChanged(auth, resolve));
    assert.equal(seen.uid, user.uid);
    await setDoc(doc(getFirestore(second), `owned/${user.uid}/x/y`), { ok: true });
    await signOut(auth);
    assert.equal(persistence.map.size, 0);
    await deleteApp(second);
  });

  test('in-memory persistence lives as long as the process', async () => {
    const first = newApp(server);
    initializeAuth(first, { persistence: inMemoryPersistence });
    const { user } = await signInAnonymously(getAuth(first));
    await deleteApp(first);
    const again = initializeApp({ url: server.url }, first.name);
    await getAuth(again).authStateReady();
    assert.equal(getAuth(again).currentUser?.uid, user.uid);
    await deleteApp(again);
  });

  test('getIdToken(true) refreshes; the refresh token rotates', async () => {
    const persistence = mapPersistence();
    const app = newApp(server);
    const auth = initializeAuth(app, { persistence });
    const { user } = await signInAnonymously(auth);
    const before = await user.getIdToken();
    assert.equal(await user.getIdToken(), before, 'a fresh token is reused');
    const refreshBefore = user.refreshToken;
    await sleep(1100);  // a token issued in the same second would be the same token
    const after = await user.getIdToken(true);
    assert.notEqual(after, before);
    assert.notEqual(user.refreshToken, refreshBefore);
    assert.equal([...persistence.map.values()][0].refreshToken, user.refreshToken);
    const result = await user.getIdTokenResult();
    assert.equal(result.claims.user_id, user.uid);
    assert.equal(result.signInProvider, 'anonymous');
    assert.ok(Date.parse(result.expirationTime) > Date.now());
    // Concurrent refreshes share one request (a refresh token is single-use).
    const [x, y] = await Promise.all([user.getIdToken(true), user.getIdToken(true)]);
    assert.equal(x, y);
    await setDoc(doc(getFirestore(app), `owned/${user.uid}/x/y`), { ok: true });
  });

  test('a token close to expiry is refreshed before use', async () => {
    const persistence = mapPersistence();
    const seed = newApp(server);
    initializeAuth(seed, { persistence });
    const { user } = await signInAnonymously(getAuth(seed));
    const old = await user.getIdToken();
    await deleteApp(seed);
    const [key] = persistence.map.keys();
    persistence.map.set(key, { ...persistence.map.get(key), expiresAt: Date.now() + 60000 });
    await sleep(1100);
    const app = initializeApp({ url: server.url }, seed.name);
    const auth = initializeAuth(app, { persistence });
    await auth.authStateReady();
    const fresh = await auth.currentUser.getIdToken();
    assert.notEqual(fresh, old);
    assert.ok(persistence.map.get(key).expiresAt > Date.now() + 50 * 60000);
    await deleteApp(app);
  });

  test('a refused ID token is refreshed once and the request retried', async () => {
    const persistence = mapPersistence();
    const seed = newApp(server);
    initializeAuth(seed, { persistence });
    const { user } = await signInAnonymously(getAuth(seed));
    await setDoc(doc(getFirestore(seed), `owned/${user.uid}/x/y`), { v: 1 });
    await deleteApp(seed);
    const [key] = persistence.map.keys();
    // A session whose ID token looks fresh but is not valid (as after a key rotation).
    persistence.map.set(key, { ...persistence.map.get(key), idToken: 'e30.e30.invalid' });
    const app = initializeApp({ url: server.url }, seed.name);
    initializeAuth(app, { persistence });
    const snap = await getDoc(doc(getFirestore(app), `owned/${user.uid}/x/y`));
    assert.equal(snap.data().v, 1);
    assert.notEqual(persistence.map.get(key).idToken, 'e30.e30.invalid');
    await deleteApp(app);
  });

  test('a dead refresh token signs the user out', async () => {
    const persistence = mapPersistence();
    const seed = newApp(server);
    initializeAuth(seed, { persistence });
    await signInAnonymously(getAuth(seed));
    await deleteApp(seed);
    const [key] = persistence.map.keys();
    persistence.map.set(key, { ...persistence.map.get(key), refreshToken: 'nope', expiresAt: 0 });
    const app = initializeApp({ url: server.url }, seed.name);
    const auth = initializeAuth(app, { persistence });
    await auth.authStateReady();
    const states = [];
    onAuthStateChanged(auth, (u) => states.push(u ? 'in' : 'out'));
    await assert.rejects(auth.currentUser.getIdToken(), { code: 'auth/user-token-expired' });
    assert.equal(auth.currentUser, null);
    assert.equal(persistence.map.size, 0);
    await sleep(10);
    assert.deepEqual(states, ['in', 'out']);
    // Firestore requests go on signed out.
    await assert.rejects(getDoc(doc(getFirestore(app), 'owned/u/x/y')), { code: 'permission-denied' });
    await deleteApp(app);
  });
});

describe('profile and account changes', () => {
  test('updateProfile and reload', async () => {
    const auth = getAuth(newApp(server));
    const { user } = await createUserWithEmailAndPassword(auth, uniqueEmail(), PASSWORD);
    await updateProfile(user, { displayName: 'Ada', photoURL: 'https://example.com/ada.png' });
    assert.equal(user.displayName, 'Ada');
    assert.equal(user.photoURL, 'https://example.com/ada.png');
    const other = getAuth(newApp(server));
    const { user: same } = await signInWithEmailAndPassword(other, user.email, PASSWORD);
    assert.equal(same.displayName, 'Ada');
    await updateProfile(same, { displayName: null });
    await reload(user);
    assert.equal(user.displayName, null);
    await assert.rejects(updateProfile(user, { photoURL: 'ftp://x' }), { code: 'auth/invalid-argument' });
  });

  test('changing the password needs a recent reauthentication', async () => {
    const auth = getAuth(newApp(server));
    const email = uniqueEmail();
    const { user } = await createUserWithEmailAndPassword(auth, email, PASSWORD);
    await assert.rejects(updatePassword(user, 'a new password'), { code: 'auth/requires-recent-login' });
    await assert.rejects(reauthenticateWithCredential(user, EmailAuthProvider.credential(email, 'wrong one!')),
                         { code: 'auth/invalid-credential' });
    const re = await reauthenticateWithCredential(user, EmailAuthProvider.credential(email, PASSWORD));
    assert.equal(re.operationType, 'reauthenticate');
    await updatePassword(user, 'a new password');
    const newEmail = uniqueEmail('renamed');
    await updateEmail(user, newEmail);  // the new password is the current one now
    assert.equal(user.email, newEmail);
    await signInWithEmailAndPassword(getAuth(newApp(server)), newEmail, 'a new password');
    await setDoc(doc(getFirestore(auth.app), `owned/${user.uid}/x/y`), { ok: 1 });  // new tokens work
  });

  test('linkWithCredential upgrades an anonymous user, keeping the uid', async () => {
    const auth = getAuth(newApp(server));
    const { user } = await signInAnonymously(auth);
    const email = uniqueEmail('upgraded');
    const linked = await linkWithCredential(user, EmailAuthProvider.credential(email, PASSWORD));
    assert.equal(linked.user.uid, user.uid);
    assert.equal(linked.operationType, 'link');
    assert.equal(auth.currentUser.isAnonymous, false);
    assert.equal(auth.currentUser.email, email);
    const { user: again } = await signInWithEmailAndPassword(getAuth(newApp(server)), email, PASSWORD);
    assert.equal(again.uid, user.uid);
  });

  test('password reset by email', async () => {
    const email = uniqueEmail('reset');
    await createUserWithEmailAndPassword(getAuth(newApp(server)), email, PASSWORD);
    const auth = getAuth(newApp(server));
    await sendPasswordResetEmail(auth, email);
    await sendPasswordResetEmail(auth, uniqueEmail('nobody'));  // same answer
    const code = await linkCode(server, 'resetPassword');
    await confirmPasswordReset(auth, code, 'reset password 2');
    await assert.rejects(confirmPasswordReset(auth, code, 'reset password 3'),
                         { code: 'auth/invalid-action-code' });
    await assert.rejects(signInWithEmailAndPassword(auth, email, PASSWORD), { code: 'auth/invalid-credential' });
    await signInWithEmailAndPassword(auth, email, 'reset password 2');
  });

  test('email verification', async () => {
    const auth = getAuth(newApp(server));
    const { user } = await createUserWithEmailAndPassword(auth, uniqueEmail('verify'), PASSWORD);
    await sendEmailVerification(user);
    const code = await linkCode(server, 'verifyEmail');
    await applyActionCode(auth, code);
    assert.equal(user.emailVerified, true);
    await reload(user);
    assert.equal(user.emailVerified, true);
    assert.equal((await user.getIdTokenResult(true)).claims.email_verified, true);
  });

  test('deleteUser signs out; the account is gone', async () => {
    const auth = getAuth(newApp(server));
    const email = uniqueEmail('deleted');
    const { user } = await createUserWithEmailAndPassword(auth, email, PASSWORD);
    await deleteUser(user);
    assert.equal(auth.currentUser, null);
    await assert.rejects(signInWithEmailAndPassword(auth, email, PASSWORD), { code: 'auth/invalid-credential' });
  });
});
