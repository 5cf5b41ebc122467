// Everything that writes posts: the composer, likes, and the author's Edit and Delete.
// The rules (../firestore.rules) decide; this module checks the same limits first so that
// people get a clear message instead of a refusal.
import {
  addDoc, arrayRemove, arrayUnion, collection, deleteDoc, doc, increment, serverTimestamp,
  updateDoc, writeBatch,
} from '/__/hearth/sdk.js';

import { $, busy, friendly, toast } from './ui.js';

const TITLE_MAX = 120;
const BODY_MAX = 10000;

// The problem with a title and body, as the rules check them; '' if none.
function checkPost(title, body) {
  if (!title) return 'Give your post a title.';
  if (title.length > TITLE_MAX) return `A title has at most ${TITLE_MAX} characters.`;
  if (body.length > BODY_MAX) return `A post has at most ${BODY_MAX} characters.`;
  return '';
}

function counter(input, output, max) {
  const update = () => { output.textContent = `${input.value.length} / ${max}`; };
  input.addEventListener('input', update);
  input.form.addEventListener('reset', () => setTimeout(update));
  update();
}

const element = (tag, properties) => Object.assign(document.createElement(tag), properties);

// `feed` is what startFeed returned: the posts on screen.
export function startWriting(db, session, feed) {
  counter($('post-title'), $('post-title-count'), TITLE_MAX);
  counter($('post-body'), $('post-body-count'), BODY_MAX);

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
    const { user } = session;
    if (!user) return session.openSignIn();
    try {
      await busy($('publish'), () => addDoc(collection(db, 'posts'), {
        title, body, author: user.uid, authorName: session.displayName().slice(0, 80),
        createdAt: serverTimestamp(), likes: 0,
      }));
    } catch (e) {
      $('post-error').textContent = friendly(e);
      return;
    }
    $('post-form').reset();
    toast('Published.');
  });

  // One listener for the buttons of every post, present and future.
  $('feed').addEventListener('click', (event) => {
    const button = event.target.closest('button');
    const id = button?.closest('.post')?.dataset.id;
    if (!id) return;
    if (button.classList.contains('like')) toggleLike(id, button);
    else if (button.classList.contains('edit')) startEdit(id);
    else if (button.classList.contains('delete')) confirmDelete(id);
  });

  // A like is two writes in one batch: the post's count and the user's list of liked
  // posts. The rules accept the one only with the other, so each person counts once.
  async function toggleLike(id, button) {
    const { user } = session;
    if (!user) return session.openSignIn();
    const mine = session.liked(id);
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
    session.noteLike(id, !mine);
  }

  function startEdit(id) {
    const entry = feed.get(id);
    if (!entry || entry.element.classList.contains('editing')) return;
    const article = entry.element.querySelector('article');
    const field = (label, control) => {
      const wrap = element('div', { className: 'field' });
      wrap.append(element('label', { textContent: label, htmlFor: control.id }), control);
      return wrap;
    };
    const title = element('input', {
      id: `edit-${id}-title`, type: 'text', maxLength: TITLE_MAX, value: entry.data.title, required: true,
    });
    const body = element('textarea', {
      id: `edit-${id}-body`, rows: 5, maxLength: BODY_MAX, value: entry.data.body ?? '',
    });
    const error = element('p', { className: 'form-error' });
    error.setAttribute('role', 'alert');
    const save = element('button', { type: 'submit', className: 'button primary small', textContent: 'Save' });
    const cancel = element('button', { type: 'button', className: 'button ghost small', textContent: 'Cancel' });
    const actions = element('div', { className: 'form-actions' });
    actions.append(error, cancel, save);
    const form = element('form', { className: 'edit-form', noValidate: true });
    form.append(field('Title', title), field('Post', body), actions);

    const finish = () => {
      form.remove();
      article.hidden = false;
      entry.element.classList.remove('editing');
      feed.render(id);  // snapshots that came meanwhile updated the hidden article
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

  // Delete asks first, in place of the buttons.
  function confirmDelete(id) {
    const entry = feed.get(id);
    if (!entry) return;
    const actions = entry.element.querySelector('.owner-actions');
    const question = element('span', { className: 'confirm' });
    question.setAttribute('role', 'group');
    question.setAttribute('aria-label', 'Confirm deletion');
    const yes = element('button', { type: 'button', className: 'button small danger-solid', textContent: 'Delete' });
    const no = element('button', { type: 'button', className: 'button small ghost', textContent: 'Keep it' });
    question.append(element('span', { textContent: 'Delete this post?' }), yes, no);
    const restore = () => {
      question.remove();
      actions.hidden = false;
      feed.render(id);
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
}
