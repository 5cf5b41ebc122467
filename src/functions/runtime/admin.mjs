// `hearth/admin`: the server side's access to the project, like firebase-admin. It speaks
// Hearth's HTTP API with the admin credential, so it bypasses security rules: use it
// only for what the function has checked itself.
//
//   import { getFirestore, getAuth, FieldValue } from 'hearth/admin';
//   const db = getFirestore();
//   const ref = await db.collection('posts').add({ title: 'Hi', at: FieldValue.serverTimestamp() });
//   const snap = await db.doc('posts/' + ref.id).get();   // snap.exists, snap.data()
//   const top = await db.collection('posts').where('likes', '>', 10).orderBy('likes', 'desc').limit(5).get();
//   await getAuth().setCustomUserClaims(uid, { admin: true });
//
// Values use the HTTP API's JSON (docs/api.md): timestamps come back as
// {"$timestamp": "..."}, and the same tags can be written.

let server = null;  // { url, token }

export function configure(config) {
  server = config;
}

export class HearthError extends Error {
  constructor(code, message, status) {
    super(message);
    this.name = 'HearthError';
    this.code = code;
    this.status = status;
  }
}

async function call(method, path, body) {
  if (server === null) throw new HearthError('unavailable', 'hearth/admin is not configured', 503);
  const response = await fetch(server.url + path, {
    method,
    headers: { Authorization: 'Bearer ' + server.token,
               ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new HearthError(error.code ?? 'unknown', error.message ?? response.statusText,
                          response.status);
  }
  return json;
}

const encodePath = (path) => path.split('/').map(encodeURIComponent).join('/');

export const FieldValue = {
  serverTimestamp: () => ({ $serverTimestamp: true }),
  increment: (n) => ({ $increment: n }),
  arrayUnion: (...values) => ({ $arrayUnion: values }),
  arrayRemove: (...values) => ({ $arrayRemove: values }),
  delete: () => ({ $delete: true }),
};

class DocumentSnapshot {
  constructor(ref, doc) {
    this.ref = ref;
    this.id = ref.id;
    this.exists = doc !== null;
    this.createTime = doc?.createTime;
    this.updateTime = doc?.updateTime;
    this._fields = doc?.data;
  }
  data() { return this._fields; }
  get(field) {
    return field.split('.').reduce((v, key) => (v == null ? undefined : v[key]), this._fields);
  }
}

class DocumentReference {
  constructor(path) {
    this.path = path;
    this.id = path.slice(path.lastIndexOf('/') + 1);
  }
  collection(id) { return new CollectionReference(this.path + '/' + id); }
  async get() {
    try {
      return new DocumentSnapshot(this, await call('GET', '/v1/documents/' + encodePath(this.path)));
    } catch (e) {
      if (e.code === 'not-found') return new DocumentSnapshot(this, null);
      throw e;
    }
  }
  async set(data, options = {}) {
    const query = options.merge ? '?merge=true' : '';
    return call('PUT', '/v1/documents/' + encodePath(this.path) + query, data);
  }
  async create(data) {
    return call('PUT', '/v1/documents/' + encodePath(this.path) + '?exists=false', data);
  }
  async update(data) {
    return call('PATCH', '/v1/documents/' + encodePath(this.path), data);
  }
  async delete() {
    return call('DELETE', '/v1/documents/' + encodePath(this.path));
  }
}

class Query {
  // `from` as POST /v1/query takes it: a collection path or {collectionGroup: id}.
  constructor(from, spec = {}) {
    this._from = from;
    this._spec = spec;
  }
  _with(extra) { return new Query(this._from, { ...this._spec, ...extra }); }
  where(field, op, value) {
    return this._with({ where: [...(this._spec.where ?? []), [field, op, value]] });
  }
  orderBy(field, direction = 'asc') {
    return this._with({ orderBy: [...(this._spec.orderBy ?? []), [field, direction]] });
  }
  limit(n) { return this._with({ limit: n }); }
  async get() {
    const body = { from: this._from };
    if (this._spec.where) body.where = this._spec.where;
    if (this._spec.orderBy) body.orderBy = this._spec.orderBy;
    if (this._spec.limit !== undefined) body.limit = this._spec.limit;
    const result = await call('POST', '/v1/query', body);
    const docs = (result.documents ?? []).map(
        (doc) => new DocumentSnapshot(new DocumentReference(doc.path), doc));
    return { docs, size: docs.length, empty: docs.length === 0,
             forEach: (fn) => docs.forEach(fn) };
  }
}

class CollectionReference extends Query {
  constructor(path) {
    super(path);
    this.path = path;
    this.id = path.slice(path.lastIndexOf('/') + 1);
  }
  doc(id) { return new DocumentReference(this.path + '/' + id); }
  async add(data) {
    const doc = await call('POST', '/v1/documents/' + encodePath(this.path), data);
    return new DocumentReference(doc.path);
  }
}

class Firestore {
  collection(path) { return new CollectionReference(path); }
  doc(path) { return new DocumentReference(path); }
  collectionGroup(id) { return new Query({ collectionGroup: id }); }
}

class Auth {
  getUser(uid) { return call('GET', '/v1/admin/users/' + encodeURIComponent(uid)); }
  listUsers() { return call('GET', '/v1/admin/users'); }
  createUser(properties) { return call('POST', '/v1/admin/users', properties); }
  updateUser(uid, properties) {
    return call('PATCH', '/v1/admin/users/' + encodeURIComponent(uid), properties);
  }
  deleteUser(uid) { return call('DELETE', '/v1/admin/users/' + encodeURIComponent(uid)); }
  setCustomUserClaims(uid, claims) {
    return call('PATCH', '/v1/admin/users/' + encodeURIComponent(uid), { customClaims: claims });
  }
}

const firestore = new Firestore();
const auth = new Auth();
export const getFirestore = () => firestore;
export const getAuth = () => auth;
