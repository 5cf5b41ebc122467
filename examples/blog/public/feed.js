// The feed: one live query (newest posts first), or one live document on a post's own page
// (/posts/ID). New posts slide in, changed ones glow, removed ones fade out; the list
// always ends up in the query's order. Also the "Reconnecting…" badge, from the
// listener's metadata.
import { collection, doc, limit, onSnapshot, orderBy, query } from '/__/hearth/sdk.js';

import { $, afterAnimation, announce, flash, friendly, setTime, toast } from './ui.js';

const FEED_SIZE = 50;
const POST_PATH = /^\/posts\/([A-Za-z0-9_-]{1,100})\/?$/;

// Returns {get(id) -> {element, data} | undefined, render(id)} for writing.js.
export function startFeed(db, session) {
  const feed = $('feed');
  const template = $('post-template');
  const posts = new Map();  // id -> {element, data}: what the feed shows
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

  // Applies one snapshot: its changes (docChanges()), then the order of `docs`.
  function apply(metadata, changes, docs) {
    setConnection(metadata.fromCache);
    if (metadata.fromCache && !changes.length && !first) return;
    const animate = !first;
    for (const change of changes) {
      const id = change.doc.id;
      if (change.type === 'removed') {
        remove(id, animate);
        continue;
      }
      const data = change.doc.data();
      const entry = posts.get(id);
      if (entry) {
        entry.data = data;
        render(id);
        if (animate) flash(entry.element, 'changed');
      } else {
        const element = template.content.firstElementChild.cloneNode(true);
        element.dataset.id = id;
        element.querySelector('.post-title').id = `post-${id}-title`;
        element.querySelector('article').setAttribute('aria-labelledby', `post-${id}-title`);
        posts.set(id, { element, data });
        render(id);
        if (animate) {
          flash(element, 'entering');
          if (data.author !== session.user?.uid) announce(`New post by ${data.authorName}: ${data.title}`);
        }
      }
    }
    // Leaving elements stay where they are until their animation ends.
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
      // For tests and curious people: when the first posts were on screen.
      performance.mark('blog:feed-ready');
      document.documentElement.dataset.feed = 'ready';
    }
  }

  function renderStatus() {
    const status = $('feed-status');
    status.hidden = posts.size > 0;
    status.textContent = posts.size ? ''
      : single ? 'This post does not exist, or it was deleted.' : 'No posts yet. Be the first to write one!';
  }

  function remove(id, animate) {
    const entry = posts.get(id);
    if (!entry) return;
    posts.delete(id);
    const { element } = entry;
    if (element.contains(document.activeElement)) $('feed-title').focus();
    if (!animate || matchMedia('(prefers-reduced-motion: reduce)').matches) {
      element.remove();
      return;
    }
    element.classList.add('leaving');
    afterAnimation(element, () => element.remove());
    setTimeout(() => element.remove(), 1000);  // in case no animation runs
  }

  function render(id) {
    const entry = posts.get(id);
    if (!entry) return;
    const { element, data } = entry;
    const { user } = session;
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
    // Only the author's own posts offer Edit and Delete (the rules refuse them to others).
    element.querySelector('.owner-actions').hidden = !user || user.uid !== data.author;

    const like = element.querySelector('.like');
    const count = Number(data.likes) || 0;
    const mine = session.liked(id);
    like.querySelector('.like-count').textContent = String(count);
    like.setAttribute('aria-pressed', String(mine));
    like.setAttribute('aria-label',
      `${mine ? 'Unlike' : 'Like'} “${data.title}” (${count} ${count === 1 ? 'like' : 'likes'})`);
    like.title = user ? '' : 'Sign in to like posts';
  }

  let offlineTimer = null;
  function setConnection(fromCache) {
    // A short drop (or the new connection after a sign-in) is not worth a banner.
    clearTimeout(offlineTimer);
    document.documentElement.dataset.connection = fromCache ? 'reconnecting' : 'live';
    if (!fromCache) {
      $('connection').hidden = true;
      return;
    }
    offlineTimer = setTimeout(() => { $('connection').hidden = false; }, 800);
  }

  session.onChange(() => {
    for (const id of posts.keys()) render(id);
  });
  listen();

  return { get: (id) => posts.get(id), render };
}
