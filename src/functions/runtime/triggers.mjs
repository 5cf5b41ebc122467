// `hearth/triggers`: document triggers, declared in triggers/*.js of a project.
//
//   import { onDocumentCreated } from 'hearth/triggers';
//   export default onDocumentCreated('posts/{postId}', async (event) => {
//     console.log('new post', event.params.postId, event.after.title);
//   });
//
// The event: { type: 'create' | 'update' | 'delete', document: 'posts/abc', params:
// { postId: 'abc' }, before: data or null, after: data or null, seq, time }. Data uses the
// HTTP API's JSON (docs/api.md). Delivery is at least once, in commit order; a handler
// that throws is retried with back-off and, after the last attempt, parked in the
// dead-letter list (`hearth triggers dead-letters`).

function declare(event, document, handler) {
  if (typeof document !== 'string' || document.split('/').length % 2 !== 0) {
    throw new TypeError(`a trigger's document pattern must name a document ` +
                        `(collection/{id}[/sub/{id}...]), not ${JSON.stringify(document)}`);
  }
  if (typeof handler !== 'function') throw new TypeError('a trigger needs a handler function');
  return { hearthTrigger: true, event, document, handler };
}

export const onDocumentCreated = (document, handler) => declare('create', document, handler);
export const onDocumentUpdated = (document, handler) => declare('update', document, handler);
export const onDocumentDeleted = (document, handler) => declare('delete', document, handler);
export const onDocumentWritten = (document, handler) => declare('write', document, handler);
