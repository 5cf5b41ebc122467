// Hearth JavaScript SDK: Firebase's v9+ modular API for Firestore and Auth, spoken to a
// Hearth server: the REST API (docs/api.md), the WebSocket listen protocol
// (docs/realtime.md) and the auth endpoints (docs/auth.md). Moving a Firebase app over
// means changing its import lines; docs/sdk.md lists the differences.
//
// One dependency-free ES module, so Hearth can serve this very file at /__/hearth/sdk.js.
// Sections, in order: errors · app · values · references and queries · snapshots · HTTP ·
// reads and writes · batches and transactions · aggregations · listeners · auth.
//
// Not built: offline persistence and latency compensation (snapshots always report
// metadata.hasPendingWrites === false; fromCache is true only while a listener's
// connection is down).

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

// Every error this SDK throws or reports. `code` is Firestore's canonical code
// ('permission-denied', 'not-found', ...) or, for auth, Firebase's 'auth/...' code.
export class FirebaseError extends Error {
  constructor(code, message, customData) {
    super(message);
    this.name = 'FirebaseError';
    this.code = code;
    if (customData !== undefined) this.customData = customData;
  }
}
export { FirebaseError as FirestoreError };

function fail(code, message) {
  throw new FirebaseError(code, message);
}

// The canonical code for an HTTP status whose body carries none (a proxy's error page).
const STATUS_CODES = {
  400: 'invalid-argument', 401: 'unauthenticated', 403: 'permission-denied', 404: 'not-found',
  408: 'deadline-exceeded', 409: 'aborted', 412: 'failed-precondition', 413: 'invalid-argument',
  429: 'resource-exhausted', 500: 'internal', 501: 'unimplemented', 503: 'unavailable',
  504: 'deadline-exceeded',
};

// setTimeout that does not keep a Node.js process alive.
function timer(fn, ms) {
  const t = setTimeout(fn, ms);
  t?.unref?.();
  return t;
}
const sleep = (ms) => new Promise((resolve) => timer(resolve, ms));

// ---------------------------------------------------------------------------------------
// App
// ---------------------------------------------------------------------------------------

const DEFAULT_APP = '[DEFAULT]';
const apps = new Map();

// options: {url, WebSocket?, fetch?, adminToken?}. `url` defaults to the page's origin.
// `adminToken` (for back ends and scripts only) is sent instead of a user's ID token:
// everything is allowed and rules are not consulted.
class HearthApp {
  constructor(name, options, url) {
    this.name = name;
    this.options = Object.freeze({ ...options });
    this.automaticDataCollectionEnabled = false;
    this._url = url;
    this._components = {};  // firestore, auth: created on first use
  }
  get _fetch() {
    return this.options.fetch ?? globalThis.fetch.bind(globalThis);
  }
}

export function initializeApp(options = {}, name = DEFAULT_APP) {
  if (typeof name === 'object') name = name?.name ?? DEFAULT_APP;
  const raw = options.url ?? globalThis.location?.origin;
  if (!raw || raw === 'null') {
    fail('invalid-argument', 'initializeApp: pass {url: "https://your-hearth-server"}');
  }
  const url = String(raw).replace(/\/+$/, '');
  const existing = apps.get(name);
  if (existing) {
    if (existing._url === url) return existing;
    fail('app/duplicate-app', `an app named '${name}' already exists with another url`);
  }
  const app = new HearthApp(name, options, url);
  apps.set(name, app);
  return app;
}

export function getApp(name = DEFAULT_APP) {
  const app = apps.get(name);
  if (!app) fail('app/no-app', `no app named '${name}': call initializeApp() first`);
  return app;
}

export const getApps = () => [...apps.values()];

// Closes the app's WebSocket and timers; the app and its services are unusable after.
export async function deleteApp(app) {
  apps.delete(app.name);
  for (const component of Object.values(app._components)) component._delete();
  app._components = {};
}

// ---------------------------------------------------------------------------------------
// Values: Timestamp, GeoPoint, Bytes, FieldPath, FieldValue and the JSON encoding of
// docs/api.md "Values".
// ---------------------------------------------------------------------------------------

// A point in time with nanosecond precision (UTC), as Firestore stores it.
export class Timestamp {
  constructor(seconds, nanoseconds) {
    if (!Number.isInteger(seconds) || !Number.isInteger(nanoseconds) ||
        nanoseconds < 0 || nanoseconds > 999999999) {
      fail('invalid-argument', `invalid Timestamp(${seconds}, ${nanoseconds})`);
    }
    this.seconds = seconds;
    this.nanoseconds = nanoseconds;
  }
  static now() { return Timestamp.fromMillis(Date.now()); }
  static fromDate(date) { return Timestamp.fromMillis(date.getTime()); }
  static fromMillis(ms) {
    const seconds = Math.floor(ms / 1000);
    return new Timestamp(seconds, Math.floor((ms - seconds * 1000) * 1e6));
  }
  toDate() { return new Date(this.toMillis()); }
  toMillis() { return this.seconds * 1000 + this.nanoseconds / 1e6; }
  isEqual(other) {
    return other instanceof Timestamp && other.seconds === this.seconds &&
        other.nanoseconds === this.nanoseconds;
  }
  // A string that sorts as the timestamps do, so <, > and sort() work (as in Firebase).
  valueOf() {
    return String(this.seconds + 62135596800).padStart(12, '0') + '.' +
        String(this.nanoseconds).padStart(9, '0');
  }
  toString() { return `Timestamp(seconds=${this.seconds}, nanoseconds=${this.nanoseconds})`; }
  toJSON() { return { seconds: this.seconds, nanoseconds: this.nanoseconds }; }
}

// RFC 3339 with up to 9 fractional digits and any offset (the server sends UTC).
function parseTimestamp(text) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  const ms = m ? Date.parse(m[1] + m[3]) : NaN;
  if (Number.isNaN(ms)) fail('internal', `malformed timestamp from the server: ${text}`);
  return new Timestamp(ms / 1000, Number((m[2] ?? '').padEnd(9, '0')));
}

function formatTimestamp(t) {
  const iso = new Date(t.seconds * 1000).toISOString();  // YYYY-MM-DDTHH:MM:SS.000Z
  return `${iso.slice(0, 19)}.${String(t.nanoseconds).padStart(9, '0')}Z`;
}

export class GeoPoint {
  constructor(latitude, longitude) {
    if (!(Math.abs(latitude) <= 90) || !(Math.abs(longitude) <= 180)) {
      fail('invalid-argument', `invalid GeoPoint(${latitude}, ${longitude})`);
    }
    this._lat = latitude;
    this._long = longitude;
  }
  get latitude() { return this._lat; }
  get longitude() { return this._long; }
  isEqual(other) {
    return other instanceof GeoPoint && other._lat === this._lat && other._long === this._long;
  }
  toJSON() { return { latitude: this._lat, longitude: this._long }; }
}

// Immutable bytes, kept as canonical base64.
export class Bytes {
  constructor(base64) { this._base64 = base64; }
  static fromBase64String(base64) {
    try {
      return new Bytes(btoa(atob(base64)));
    } catch {
      fail('invalid-argument', 'Bytes.fromBase64String: not base64');
    }
  }
  static fromUint8Array(array) {
    let binary = '';
    for (const byte of array) binary += String.fromCharCode(byte);
    return new Bytes(btoa(binary));
  }
  toBase64() { return this._base64; }
  toUint8Array() { return Uint8Array.from(atob(this._base64), (c) => c.charCodeAt(0)); }
  isEqual(other) { return other instanceof Bytes && other._base64 === this._base64; }
  toString() { return `Bytes(base64-encoded: ${this._base64})`; }
}

// A field path given segment by segment, so a segment may contain dots.
export class FieldPath {
  constructor(...segments) {
    if (!segments.length || segments.some((s) => typeof s !== 'string' || !s)) {
      fail('invalid-argument', 'FieldPath: every segment must be a non-empty string');
    }
    this._segments = segments;
  }
  isEqual(other) {
    return other instanceof FieldPath && other._canonical() === this._canonical();
  }
  // The server's syntax: plain segments joined by dots, others in backquotes.
  _canonical() {
    return this._segments.map((s) =>
      /^[A-Za-z_][A-Za-z_0-9]*$/.test(s) ? s : '`' + s.replace(/[\\`]/g, '\\$&') + '`').join('.');
  }
}

export const documentId = () => new FieldPath('__name__');

// A field as the server's JSON names it: a string is a dotted path ("a.b"), as in Firebase.
function fieldString(field) {
  if (field instanceof FieldPath) return field._canonical();
  if (typeof field === 'string' && field && !/^\.|\.\.|\.$/.test(field)) return field;
  fail('invalid-argument', `invalid field path ${JSON.stringify(field)}`);
}

function fieldSegments(field) {
  return field instanceof FieldPath ? field._segments : fieldString(field).split('.');
}

// A write transform or deleteField(); `_json` is its wire form.
export class FieldValue {
  constructor(kind, json) {
    this._kind = kind;
    this._json = json;
  }
  isEqual(other) { return other instanceof FieldValue && toJson(other._json) === toJson(this._json); }
}

export const serverTimestamp = () => new FieldValue('serverTimestamp', { $serverTimestamp: true });
export const deleteField = () => new FieldValue('deleteField', { $delete: true });
export function increment(n) {
  if (typeof n !== 'number') fail('invalid-argument', 'increment() takes a number');
  return new FieldValue('increment', { $increment: encodeValue(n, 'increment()') });
}
export const arrayUnion = (...elements) => new FieldValue('arrayUnion',
  { $arrayUnion: elements.map((e) => encodeValue(e, 'arrayUnion()')) });
export const arrayRemove = (...elements) => new FieldValue('arrayRemove',
  { $arrayRemove: elements.map((e) => encodeValue(e, 'arrayRemove()')) });

const isPlainObject = (v) => v !== null && typeof v === 'object' &&
    [Object.prototype, null].includes(Object.getPrototypeOf(v));

// A JS value -> its JSON form. `where` names the field in error messages; with
// `skipUndefined` (the ignoreUndefinedProperties setting) undefined map entries are dropped.
// Numbers stay numbers here; toJson() decides how each is written.
function encodeValue(value, where, skipUndefined = false) {
  const bad = (what) => fail('invalid-argument',
    `unsupported field value: ${what} (found in ${where || 'the document'})`);
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : { $double: String(value) };  // NaN, ±Infinity
    case 'object':
      break;
    default:
      return bad(typeof value);
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    return value.map((e, i) => {
      if (e instanceof FieldValue) bad(`${e._kind}() inside an array`);
      return encodeValue(e, `${where}[${i}]`, skipUndefined);
    });
  }
  if (value instanceof FieldValue) return value._json;
  if (value instanceof Timestamp) return { $timestamp: formatTimestamp(value) };
  if (value instanceof Date) return { $timestamp: formatTimestamp(Timestamp.fromDate(value)) };
  if (value instanceof GeoPoint) return { $geo: [value.latitude, value.longitude] };
  if (value instanceof Bytes) return { $bytes: value.toBase64() };
  if (value instanceof DocumentReference) return { $ref: value.path };
  if (!isPlainObject(value)) bad(`a custom ${value.constructor?.name ?? ''} object`);
  const out = {};
  for (const [key, e] of Object.entries(value)) {
    if (e === undefined && skipUndefined) continue;
    out[key] = encodeValue(e, where ? `${where}.${key}` : key, skipUndefined);
  }
  // A map whose only key starts with '$' would read as a tagged value: wrap it.
  const keys = Object.keys(out);
  return keys.length === 1 && keys[0].startsWith('$') ? { $map: out } : out;
}

// Document data (a plain object) -> its JSON form, with the database's settings.
function encodeData(db, data, fn) {
  if (!isPlainObject(data)) {
    fail('invalid-argument', `${fn}() called with invalid data: the document must be an object`);
  }
  return encodeValue(data, '', db._settings.ignoreUndefinedProperties);
}

// A JSON value from the server -> a JS value (references belong to `db`).
function decodeValue(value, db) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((e) => decodeValue(e, db));
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0][0] === '$') {
    const tagged = value[keys[0]];
    switch (keys[0]) {
      case '$timestamp': return parseTimestamp(tagged);
      case '$bytes': return new Bytes(tagged);
      case '$ref': return new DocumentReference(db, tagged);
      case '$geo': return new GeoPoint(tagged[0], tagged[1]);
      case '$double': return Number(tagged);
      case '$map': return decodeMap(tagged, db);
    }
  }
  return decodeMap(value, db);
}

// The fields of a map in wire form; undefined for any other value (tagged ones included).
function wireMap(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0][0] === '$') return keys[0] === '$map' ? value.$map : undefined;
  return value;
}

// The wire value at a field path of wire data; undefined if absent.
function wireField(data, segments) {
  let value = data;
  for (const s of segments) {
    const map = wireMap(value);
    value = map && Object.hasOwn(map, s) ? map[s] : undefined;
  }
  return value;
}

const decodeMap = (map, db) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, decodeValue(v, db)]));

// JSON text for a request. JSON.stringify would write the double 1e21 as an integer
// literal (which the server refuses as out of range) and -0 as 0, so numbers are written
// here: a safe integer as an integer, any other number with a fraction or an exponent,
// which the server reads as a double. A JS number that is an integer (1, and also 1.0,
// which JS cannot tell apart) is therefore stored as an integer, as Firebase does.
function toJson(value) {
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return '-0.0';
    if (Number.isSafeInteger(value)) return String(value);
    return Number.isInteger(value) ? value.toExponential() : String(value);
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
}

// ---------------------------------------------------------------------------------------
// Firestore, references and queries
// ---------------------------------------------------------------------------------------

export class Firestore {
  constructor(app, settings) {
    this.app = app;
    this.type = 'firestore';
    this._settings = { ...settings };
    this._watch = null;  // the listen connection (one WebSocket), made by the first listener
  }
  toJSON() { return { app: this.app.name, settings: this._settings }; }
  _delete() { this._watch?.shutdown(); }
}

export function getFirestore(app = getApp()) {
  return (app._components.firestore ??= new Firestore(app, {}));
}

// settings: {ignoreUndefinedProperties}.
export function initializeFirestore(app, settings = {}) {
  if (app._components.firestore) {
    fail('failed-precondition', 'initializeFirestore() must come before getFirestore()');
  }
  return (app._components.firestore = new Firestore(app, settings));
}

// Closes the listen connection; listeners stop.
export async function terminate(db) { db._delete(); }

// Path segments of "a/b/c" (leading and trailing slashes ignored).
function splitPath(path) {
  if (typeof path !== 'string' || path.includes('//')) {
    fail('invalid-argument', `invalid path ${JSON.stringify(path)}`);
  }
  return path.split('/').filter(Boolean);
}

function childPath(parent, path, more, fn) {
  if (!(parent instanceof Firestore || parent instanceof DocumentReference ||
        parent instanceof CollectionReference)) {
    fail('invalid-argument', `${fn}(): the first argument must be a Firestore, a ` +
         'DocumentReference or a CollectionReference');
  }
  const base = parent instanceof Firestore ? [] : splitPath(parent.path);
  return [...base, ...splitPath([path, ...more].join('/'))];
}

const firestoreOf = (parent) => (parent instanceof Firestore ? parent : parent.firestore);

// 20 random characters of [A-Za-z0-9], as Firestore's automatic IDs.
function autoId() {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(40));
  let id = '';
  for (const b of bytes) if (b < 248 && id.length < 20) id += chars[b % 62];
  return id.length === 20 ? id : autoId();
}

export class DocumentReference {
  constructor(firestore, path, converter = null) {
    this.firestore = firestore;
    this.path = path;
    this.converter = converter;
    this.type = 'document';
  }
  get id() { return this.path.slice(this.path.lastIndexOf('/') + 1); }
  get parent() {
    return new CollectionReference(this.firestore, this.path.slice(0, this.path.lastIndexOf('/')),
                                   this.converter);
  }
  withConverter(converter) { return new DocumentReference(this.firestore, this.path, converter); }
  toJSON() { return { type: this.type, path: this.path }; }
}

// A query; `_q` is its description: {path, group, filters, orderBy, limit, limitToLast,
// start, end}, turned into the server's JSON by queryJson() when it runs.
export class Query {
  constructor(firestore, q, converter = null) {
    this.firestore = firestore;
    this.type = 'query';
    this._q = q;
    this.converter = converter;
  }
  withConverter(converter) { return new Query(this.firestore, this._q, converter); }
}

export class CollectionReference extends Query {
  constructor(firestore, path, converter = null) {
    super(firestore, { path, group: false, filters: [], orderBy: [] }, converter);
    this.type = 'collection';
  }
  get path() { return this._q.path; }
  get id() { return this.path.slice(this.path.lastIndexOf('/') + 1); }
  get parent() {
    const i = this.path.lastIndexOf('/');
    return i < 0 ? null : new DocumentReference(this.firestore, this.path.slice(0, i));
  }
  withConverter(converter) {
    return new CollectionReference(this.firestore, this.path, converter);
  }
}

export function collection(parent, path, ...more) {
  const segments = childPath(parent, path, more, 'collection');
  if (segments.length % 2 !== 1) {
    fail('invalid-argument', `a collection path has an odd number of segments, but ` +
         `'${segments.join('/')}' has ${segments.length}`);
  }
  return new CollectionReference(firestoreOf(parent), segments.join('/'));
}

// doc(collectionRef) names a new document with an automatic ID.
export function doc(parent, path, ...more) {
  if (arguments.length === 1 && parent instanceof CollectionReference) path = autoId();
  const segments = childPath(parent, path, more, 'doc');
  if (!segments.length || segments.length % 2 !== 0) {
    fail('invalid-argument', `a document path has an even number of segments, but ` +
         `'${segments.join('/')}' has ${segments.length}`);
  }
  const converter = parent instanceof CollectionReference ? parent.converter : null;
  return new DocumentReference(firestoreOf(parent), segments.join('/'), converter);
}

export function collectionGroup(db, collectionId) {
  if (typeof collectionId !== 'string' || !collectionId || collectionId.includes('/')) {
    fail('invalid-argument', 'collectionGroup() takes a collection ID without "/"');
  }
  return new Query(db, { path: collectionId, group: true, filters: [], orderBy: [] });
}

export function refEqual(a, b) {
  return a?.type === b?.type && a.firestore === b.firestore && a.path === b.path;
}

export function queryEqual(a, b) {
  return a instanceof Query && b instanceof Query && a.firestore === b.firestore &&
      toJson(queryJson(a._q)) === toJson(queryJson(b._q));
}

// ---- Query constraints ----

const FILTER_OPS = new Set(['<', '<=', '==', '!=', '>=', '>', 'array-contains', 'in', 'not-in',
  'array-contains-any']);
const INEQUALITY_OPS = new Set(['<', '<=', '!=', '>=', '>', 'not-in']);

// Every constraint is an object with `type` and `_apply(q)`, which edits a copy of a query
// description. Filters also have `_filter`, the description of the filter alone.
export class QueryConstraint {
  constructor(type, apply) {
    this.type = type;
    this._apply = apply;
  }
}

export class QueryFilterConstraint extends QueryConstraint {
  constructor(type, filter) {
    super(type, (q) => q.filters.push(filter));
    this._filter = filter;
  }
}

// A value compared with documentId(): a plain ID, a path, or a DocumentReference.
function encodeDocumentId(value) {
  if (value instanceof DocumentReference) return { $ref: value.path };
  if (typeof value === 'string' && value) return value.includes('/') ? { $ref: value } : value;
  fail('invalid-argument', 'a documentId() value must be a document ID, a path or a reference');
}

export function where(field, op, value) {
  if (!FILTER_OPS.has(op)) fail('invalid-argument', `invalid where() operator '${op}'`);
  const name = fieldString(field);
  let encoded;
  if (name === '__name__') {
    encoded = Array.isArray(value) ? value.map(encodeDocumentId) : encodeDocumentId(value);
  } else {
    encoded = encodeValue(value, `where('${name}')`);
  }
  return new QueryFilterConstraint('where', { field: name, op, value: encoded });
}

function composite(kind, filters) {
  for (const f of filters) {
    if (!(f instanceof QueryFilterConstraint)) fail('invalid-argument', `${kind}() takes filters`);
  }
  return new QueryFilterConstraint(kind, { [kind]: filters.map((f) => f._filter) });
}
export const and = (...filters) => composite('and', filters);
export const or = (...filters) => composite('or', filters);

export function orderBy(field, direction = 'asc') {
  if (direction !== 'asc' && direction !== 'desc') {
    fail('invalid-argument', "orderBy() direction must be 'asc' or 'desc'");
  }
  const entry = { field: fieldString(field), segments: fieldSegments(field), direction };
  return new QueryConstraint('orderBy', (q) => q.orderBy.push(entry));
}

function limitConstraint(type, n) {
  if (!Number.isInteger(n) || n <= 0) fail('invalid-argument', `${type}() takes a positive integer`);
  return new QueryConstraint(type, (q) => {
    q.limit = n;
    q.limitToLast = type === 'limitToLast';
  });
}
export const limit = (n) => limitConstraint('limit', n);
export const limitToLast = (n) => limitConstraint('limitToLast', n);

// A cursor: field values, or one DocumentSnapshot whose values are read when the query runs.
function cursor(kind, values) {
  if (!values.length) fail('invalid-argument', `${kind}() needs at least one value`);
  const bound = { kind, values };
  const end = kind === 'endAt' || kind === 'endBefore';
  return new QueryConstraint(kind, (q) => {
    if (end) q.end = bound;
    else q.start = bound;
  });
}
export const startAt = (...values) => cursor('startAt', values);
export const startAfter = (...values) => cursor('startAfter', values);
export const endAt = (...values) => cursor('endAt', values);
export const endBefore = (...values) => cursor('endBefore', values);

export function query(base, ...constraints) {
  if (!(base instanceof Query)) fail('invalid-argument', 'query() takes a Query or a collection');
  const q = { ...base._q, filters: [...base._q.filters], orderBy: [...base._q.orderBy] };
  for (const c of constraints) {
    if (!(c instanceof QueryConstraint)) fail('invalid-argument', 'query() takes query constraints');
    c._apply(q);
  }
  return new Query(base.firestore, q, base.converter);
}

// The server's JSON for a query description (docs/api.md "Queries").
function queryJson(q) {
  const json = { from: q.group ? { collectionGroup: q.path } : q.path };
  if (q.filters.length) {
    json.where = q.filters.length === 1 ? filterJson(q.filters[0])
      : { and: q.filters.map(filterJson) };
  }
  if (q.orderBy.length) json.orderBy = q.orderBy.map((o) => [o.field, o.direction]);
  if (q.limit) json[q.limitToLast ? 'limitToLast' : 'limit'] = q.limit;
  for (const bound of [q.start, q.end]) {
    if (bound) json[bound.kind] = cursorValues(q, bound);
  }
  return json;
}

// A filter description ({field, op, value} or {and | or: [descriptions]}) -> its JSON.
function filterJson(f) {
  if (f.field) return [f.field, f.op, f.value];
  return f.and ? { and: f.and.map(filterJson) } : { or: f.or.map(filterJson) };
}

// The fields of a filter tree's inequalities.
function inequalityFields(filters, out = new Set()) {
  for (const f of filters) {
    if (!f.field) inequalityFields(f.and ?? f.or, out);
    else if (INEQUALITY_OPS.has(f.op)) out.add(f.field);
  }
  return out;
}

function cursorValues(q, bound) {
  const [first] = bound.values;
  if (!(first instanceof DocumentSnapshot)) {
    return bound.values.map((v, i) =>
      (q.orderBy[i]?.field === '__name__' ? encodeDocumentId(v)
        : encodeValue(v, `${bound.kind}()`)));
  }
  // A snapshot: its values for the query's whole order, as the server completes it (the
  // orderBy fields, then inequality fields not named there, then the document name).
  if (!first.exists()) fail('invalid-argument', `${bound.kind}(): the snapshot's document does not exist`);
  const named = new Set(q.orderBy.map((o) => o.field));
  const order = q.orderBy.map((o) => o.segments);
  for (const f of [...inequalityFields(q.filters)].sort()) {
    if (!named.has(f)) order.push(f.split('.'));
  }
  if (!named.has('__name__')) order.push(['__name__']);
  return order.map((segments) => {
    if (segments.length === 1 && segments[0] === '__name__') return { $ref: first.ref.path };
    const value = wireField(first._doc.data, segments);
    if (value === undefined) {
      fail('invalid-argument', `${bound.kind}(): the snapshot has no field '${segments.join('.')}'`);
    }
    return value;  // already in wire form
  });
}

// ---------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------

export class SnapshotMetadata {
  constructor(hasPendingWrites, fromCache) {
    this.hasPendingWrites = hasPendingWrites;
    this.fromCache = fromCache;
  }
  isEqual(other) {
    return other.hasPendingWrites === this.hasPendingWrites && other.fromCache === this.fromCache;
  }
}

const SERVER_METADATA = new SnapshotMetadata(false, false);

// `_doc` is the server's document ({id, path, data, createTime, updateTime}) or null.
export class DocumentSnapshot {
  constructor(firestore, ref, doc, metadata = SERVER_METADATA) {
    this._firestore = firestore;
    this.ref = ref;
    this._doc = doc;
    this.metadata = metadata;
  }
  get id() { return this.ref.id; }
  exists() { return this._doc !== null; }
  // A fresh copy on every call (changing it changes nothing else).
  data(options = {}) {
    if (!this._doc) return undefined;
    if (this.ref.converter) {
      const raw = new QueryDocumentSnapshot(this._firestore,
        new DocumentReference(this._firestore, this.ref.path), this._doc, this.metadata);
      return this.ref.converter.fromFirestore(raw, options);
    }
    return decodeMap(this._doc.data, this._firestore);
  }
  get(field) {
    if (!this._doc) return undefined;
    if (fieldString(field) === '__name__') return this.ref;
    const value = wireField(this._doc.data, fieldSegments(field));
    return value === undefined ? undefined : decodeValue(value, this._firestore);
  }
}

export class QueryDocumentSnapshot extends DocumentSnapshot {}

export class QuerySnapshot {
  // `changes`: [{type, doc, oldIndex, newIndex}] with QueryDocumentSnapshots.
  constructor(query, docs, changes, metadata = SERVER_METADATA) {
    this.query = query;
    this.docs = docs;
    this._changes = changes;
    this.metadata = metadata;
  }
  get size() { return this.docs.length; }
  get empty() { return this.docs.length === 0; }
  forEach(callback, thisArg) { this.docs.forEach((d) => callback.call(thisArg, d)); }
  docChanges() { return this._changes; }
}

function documentSnapshotOf(query, doc, metadata) {
  const ref = new DocumentReference(query.firestore, doc.path, query.converter);
  return new QueryDocumentSnapshot(query.firestore, ref, doc, metadata);
}

// ---------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------

const encodePath = (path) => path.split('/').map(encodeURIComponent).join('/');

// The credential of a Firestore request: the app's admin token, else the signed-in user's
// ID token (refreshed first when `force`), else none.
async function firestoreCredential(app, force) {
  if (app.options.adminToken) return app.options.adminToken;
  return authFor(app)._getIdToken(force);
}

// One JSON request to the server; the parsed answer, or a FirebaseError. `credential`
// (app, force) gives the bearer token; a 401 with a user's token refreshes it and retries
// once (an ID token can expire or be revoked between our check and the server's).
async function http(app, method, path, body, credential = firestoreCredential) {
  for (let retry = false; ; retry = true) {
    let token;
    try {
      token = credential ? await credential(app, retry) : null;
    } catch (e) {
      if (!retry) throw e;
      throw new FirebaseError('unauthenticated', `the ID token was refused and could not be ` +
                              `refreshed: ${e.message}`);
    }
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    let text;
    try {
      response = await app._fetch(app._url + path,
        { method, headers, body: body === undefined ? undefined : toJson(body) });
      text = await response.text();
    } catch (e) {
      throw new FirebaseError('unavailable', `cannot reach ${app._url}: ${e.message}`);
    }
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's page): the status decides below.
    }
    if (response.ok) return json;
    if (response.status === 401 && token && !retry && token !== app.options.adminToken) continue;
    const error = json?.error;
    throw new FirebaseError(error?.code ?? STATUS_CODES[response.status] ?? 'unknown',
                            error?.message ?? `HTTP ${response.status} from ${method} ${path}`);
  }
}

// ---------------------------------------------------------------------------------------
// Reads and writes
// ---------------------------------------------------------------------------------------

export async function getDoc(ref) {
  const db = ref.firestore;
  try {
    const doc = await http(db.app, 'GET', `/v1/documents/${encodePath(ref.path)}`);
    return new DocumentSnapshot(db, ref, doc);
  } catch (e) {
    if (e.code === 'not-found') return new DocumentSnapshot(db, ref, null);
    throw e;
  }
}

export async function getDocs(q) {
  const answer = await http(q.firestore.app, 'POST', '/v1/query', queryJson(q._q));
  const docs = answer.documents.map((d) => documentSnapshotOf(q, d));
  return new QuerySnapshot(q, docs,
    docs.map((doc, i) => ({ type: 'added', doc, oldIndex: -1, newIndex: i })));
}

// There is no cache: these read from the server, as getDoc/getDocs do.
export { getDoc as getDocFromServer, getDocs as getDocsFromServer };

// The commit writes for setDoc(ref, data, options).
function setWrites(ref, data, options = {}, fn = 'setDoc') {
  const db = ref.firestore;
  if (ref.converter) {
    data = options.merge || options.mergeFields ? ref.converter.toFirestore(data, options)
      : ref.converter.toFirestore(data);
  }
  if (!options.mergeFields) {
    const set = { path: ref.path, data: encodeData(db, data, fn) };
    if (options.merge) set.merge = true;
    return [{ set }];
  }
  // Hearth's "set" has no field mask: merge only the named fields, and before that delete
  // those whose new value is a map, so that it replaces the old map rather than merging
  // into it. Both writes go in one commit (atomic; rules see the intermediate document).
  if (!isPlainObject(data)) fail('invalid-argument', `${fn}(): the document must be an object`);
  const picked = {};
  const cleared = {};
  for (const field of options.mergeFields) {
    const segments = fieldSegments(field);
    let value = data;
    for (const s of segments) value = isPlainObject(value) ? value[s] : undefined;
    if (value === undefined) {
      fail('invalid-argument', `${fn}(): field '${fieldString(field)}' is in mergeFields but ` +
           'not in the data');
    }
    setIn(picked, segments, value);
    if (isPlainObject(value)) setIn(cleared, segments, deleteField());
  }
  const writes = [{ set: { path: ref.path, data: encodeData(db, picked, fn), merge: true } }];
  if (Object.keys(cleared).length) {
    writes.unshift({ set: { path: ref.path, data: encodeData(db, cleared, fn), merge: true } });
  }
  return writes;
}

function setIn(object, segments, value) {
  let map = object;
  for (const s of segments.slice(0, -1)) map = map[s] ??= {};
  map[segments.at(-1)] = value;
}

// updateDoc's arguments: ({field: value, ...}) or (field, value, field, value, ...).
function updateWrite(ref, args, fn = 'updateDoc') {
  const db = ref.firestore;
  let pairs;
  if (typeof args[0] === 'string' || args[0] instanceof FieldPath) {
    if (args.length % 2) fail('invalid-argument', `${fn}(): fields and values must come in pairs`);
    pairs = [];
    for (let i = 0; i < args.length; i += 2) pairs.push([args[i], args[i + 1]]);
  } else if (isPlainObject(args[0]) && args.length === 1) {
    pairs = Object.entries(args[0]);
  } else {
    fail('invalid-argument', `${fn}() takes an object of fields, or fields and values`);
  }
  const data = {};
  for (const [field, value] of pairs) {
    const name = fieldString(field);
    if (value === undefined && db._settings.ignoreUndefinedProperties) continue;
    data[name] = encodeValue(value, name, db._settings.ignoreUndefinedProperties);
  }
  return { update: { path: ref.path, data } };
}

function commitWrites(db, writes, transaction) {
  return http(db.app, 'POST', '/v1/commit', { writes, transaction });
}

export async function setDoc(ref, data, options) {
  await commitWrites(ref.firestore, setWrites(ref, data, options));
}

export async function updateDoc(ref, ...args) {
  await commitWrites(ref.firestore, [updateWrite(ref, args)]);
}

export async function deleteDoc(ref) {
  await commitWrites(ref.firestore, [{ delete: { path: ref.path } }]);
}

// The ID is made here (as Firebase does), so the reference is known before the write.
export async function addDoc(collectionRef, data) {
  const ref = doc(collectionRef);
  await commitWrites(ref.firestore, setWrites(ref, data, {}, 'addDoc'));
  return ref;
}

// ---------------------------------------------------------------------------------------
// Batches and transactions
// ---------------------------------------------------------------------------------------

// Writes gathered for one commit: WriteBatch and Transaction.
class WriteBuffer {
  constructor(db, what) {
    this._db = db;
    this._what = what;
    this._writes = [];
    this._done = false;
  }
  _add(ref, writes) {
    this._checkOpen();
    if (ref.firestore !== this._db) fail('invalid-argument', 'the reference is from another Firestore');
    this._writes.push(...writes);
    return this;
  }
  _checkOpen() {
    if (this._done) fail('failed-precondition', `the ${this._what} is over: it cannot be used again`);
  }
  set(ref, data, options) { return this._add(ref, setWrites(ref, data, options, `${this._what}.set`)); }
  update(ref, ...args) { return this._add(ref, [updateWrite(ref, args, `${this._what}.update`)]); }
  delete(ref) { return this._add(ref, [{ delete: { path: ref.path } }]); }
}

// Writes applied atomically by commit() (POST /v1/commit, up to 500): all or none.
export class WriteBatch extends WriteBuffer {
  constructor(db) { super(db, 'WriteBatch'); }
  async commit() {
    this._checkOpen();
    this._done = true;
    if (this._writes.length) await commitWrites(this._db, this._writes);
  }
}

export const writeBatch = (db) => new WriteBatch(db);

// Reads through the transaction (the server checks at commit that they are unchanged);
// writes are buffered and sent with the commit by runTransaction.
export class Transaction extends WriteBuffer {
  constructor(db, id) {
    super(db, 'Transaction');
    this._id = id;
  }
  async get(ref) {
    this._checkOpen();
    if (this._writes.length) {
      fail('invalid-argument', 'a transaction must do all its reads before its writes');
    }
    const path = `/v1/documents/${encodePath(ref.path)}?transaction=${encodeURIComponent(this._id)}`;
    try {
      return new DocumentSnapshot(this._db, ref, await http(this._db.app, 'GET', path));
    } catch (e) {
      // An expired transaction answers 404 too: that one is worth retrying.
      if (e.code === 'not-found' && /transaction/.test(e.message)) {
        throw new FirebaseError('aborted', e.message);
      }
      if (e.code === 'not-found') return new DocumentSnapshot(this._db, ref, null);
      throw e;
    }
  }
}

// Runs `updateFunction(transaction)` and commits its writes; when the server answers
// `aborted` (a document it read changed), runs it again, up to options.maxAttempts (5)
// times, with a randomized back-off. Other errors, and the function's own, end it.
export async function runTransaction(db, updateFunction, options = {}) {
  const attempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const { transaction: id } = await http(db.app, 'POST', '/v1/transactions', {});
    const tx = new Transaction(db, id);
    let committing = false;
    try {
      const result = await updateFunction(tx);
      committing = true;  // the server ends the transaction whatever the commit's outcome
      tx._done = true;
      await commitWrites(db, tx._writes, id);
      return result;
    } catch (e) {
      tx._done = true;
      if (!committing) {
        http(db.app, 'DELETE', `/v1/transactions/${encodeURIComponent(id)}`).catch(() => {});
      }
      if (e?.code !== 'aborted' || attempt >= attempts) throw e;
      await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempt));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Aggregations
// ---------------------------------------------------------------------------------------

export class AggregateField {
  constructor(aggregateType, field) {
    this.type = 'AggregateField';
    this.aggregateType = aggregateType;
    this._field = field;
  }
}

export const count = () => new AggregateField('count');
export const sum = (field) => new AggregateField('sum', fieldString(field));
export const average = (field) => new AggregateField('avg', fieldString(field));

export class AggregateQuerySnapshot {
  constructor(query, data) {
    this.type = 'AggregateQuerySnapshot';
    this.query = query;
    this._data = data;
  }
  data() { return { ...this._data }; }
}

// spec: {alias: count() | sum(field) | average(field)}. average is null over no numbers.
export async function getAggregateFromServer(q, spec) {
  const aggregate = {};
  for (const [alias, f] of Object.entries(spec)) {
    aggregate[alias] = f.aggregateType === 'count' ? { count: true } : { [f.aggregateType]: f._field };
  }
  const answer = await http(q.firestore.app, 'POST', '/v1/query', { ...queryJson(q._q), aggregate });
  return new AggregateQuerySnapshot(q, decodeMap(answer.aggregates, q.firestore));
}

export const getCountFromServer = (q) => getAggregateFromServer(q, { count: count() });

// ---------------------------------------------------------------------------------------
// Listeners: onSnapshot over one WebSocket per Firestore instance (docs/realtime.md)
// ---------------------------------------------------------------------------------------

const isObserver = (x) => x !== null && typeof x === 'object' &&
    ['next', 'error', 'complete'].some((k) => typeof x[k] === 'function');

// onSnapshot(ref | query, [options], observer | onNext, [onError], [onCompletion]).
// options: {includeMetadataChanges}: also report snapshots whose only change is
// metadata.fromCache (the connection dropped, or came back with nothing changed).
// Returns the function that stops listening.
export function onSnapshot(target, ...args) {
  const options = args[0] && typeof args[0] === 'object' && !isObserver(args[0]) ? args.shift() : {};
  const observer = typeof args[0] === 'function'
    ? { next: args[0], error: args[1], complete: args[2] } : args[0];
  const db = target.firestore;
  const isDocument = target instanceof DocumentReference;
  const spec = isDocument ? { document: target.path } : { query: queryJson(target._q) };
  let active = true;
  const deliver = (docs, changes, fromCache) => {
    if (!active) return;
    const metadata = new SnapshotMetadata(false, fromCache);
    if (isDocument) {
      observer.next?.(new DocumentSnapshot(db, target, docs[0] ?? null, metadata));
      return;
    }
    const snaps = new Map(docs.map((d) => [d, documentSnapshotOf(target, d, metadata)]));
    const snap = (d) => snaps.get(d) ?? documentSnapshotOf(target, d, metadata);
    observer.next?.(new QuerySnapshot(target, docs.map(snap),
      changes.map((c) => ({ ...c, doc: snap(c.doc) })), metadata));
  };
  const report = (error) => {
    if (!active) return;
    active = false;
    if (observer.error) observer.error(error);
    else console.error('Hearth: uncaught error in onSnapshot:', error);
  };
  db._watch ??= new Watch(db);
  const stop = db._watch.add(new Target(spec, deliver, report, !!options.includeMetadataChanges));
  return () => {
    active = false;
    stop();
  };
}

// One listen target: its request and its view (the server's documents, in order).
class Target {
  constructor(spec, deliver, fail, includeMetadata) {
    this.spec = spec;
    this.deliver = deliver;
    this.fail = fail;
    this.includeMetadata = includeMetadata;
    this.id = 0;
    this.docs = [];
    this.delivered = false;  // a first snapshot went to the app
    this.fromCache = true;   // no snapshot since the last (re)connection
    this.resumeToken = null;
  }

  onSnapshot(message) {
    const incoming = message.changes.map(({ type, oldIndex, newIndex, ...doc }) => ({
      type, oldIndex, newIndex, doc,
    }));
    let changes;
    if (message.initial || message.reset) {
      // A full result: the first one, or one after a reconnection (the server may start
      // over rather than resume): report only what differs from the view we had.
      const next = incoming.map((c) => c.doc);
      changes = this.docs.length ? diffViews(this.docs, next)
        : next.map((doc, i) => ({ type: 'added', doc, oldIndex: -1, newIndex: i }));
      this.docs = next;
    } else {
      changes = applyChanges(this.docs, incoming);
    }
    if (message.resumeToken) this.resumeToken = message.resumeToken;
    const wasFromCache = this.fromCache;
    this.fromCache = false;
    if (!this.delivered || changes.length || (wasFromCache && this.includeMetadata)) {
      this.delivered = true;
      this.deliver(this.docs.slice(), changes, false);
    }
  }

  // The connection dropped: the view is now the cached one.
  onDisconnect() {
    if (this.fromCache) return;
    this.fromCache = true;
    if (this.delivered && this.includeMetadata) this.deliver(this.docs.slice(), [], true);
  }
}

// Applies the server's incremental changes (whose indices are positions in the list as it
// is changed one by one) to `docs`; the changes as applied.
function applyChanges(docs, incoming) {
  const out = [];
  for (const { type, oldIndex, newIndex, doc } of incoming) {
    let from = -1;
    let to = -1;
    let reported = doc;
    if (type !== 'added') {
      from = docs[oldIndex]?.path === doc.path ? oldIndex : docs.findIndex((d) => d.path === doc.path);
      if (from < 0) continue;  // not in our view: nothing to remove or replace
      reported = type === 'removed' ? docs[from] : doc;
      docs.splice(from, 1);
    }
    if (type !== 'removed') {
      to = Math.max(0, Math.min(newIndex, docs.length));
      docs.splice(to, 0, doc);
    }
    out.push({ type, doc: reported, oldIndex: from, newIndex: to });
  }
  return out;
}

// The changes that turn `old` into `next` (both in query order), as Firestore lists them:
// removed, then added, then modified (a different updateTime), each group in order, with
// indices in the list as the changes are applied one by one. Unchanged documents keep
// their relative order, so each added or modified document is put right after its nearest
// predecessor in `next` that is already in place; at the end the list equals `next`.
function diffViews(old, next) {
  const nextIndex = new Map(next.map((d, i) => [d.path, i]));
  const oldByPath = new Map(old.map((d) => [d.path, d]));
  const list = old.slice();
  const changes = [];
  for (const d of old) {
    if (nextIndex.has(d.path)) continue;
    const i = list.indexOf(d);
    list.splice(i, 1);
    changes.push({ type: 'removed', doc: d, oldIndex: i, newIndex: -1 });
  }
  const placed = new Set(next.filter((d) => oldByPath.get(d.path)?.updateTime === d.updateTime)
    .map((d) => d.path));
  const place = (d, type, oldIndex) => {
    let j = nextIndex.get(d.path) - 1;
    while (j >= 0 && !placed.has(next[j].path)) j--;
    const newIndex = j < 0 ? 0 : list.findIndex((x) => x.path === next[j].path) + 1;
    list.splice(newIndex, 0, d);
    placed.add(d.path);
    changes.push({ type, doc: d, oldIndex, newIndex });
  };
  for (const d of next) if (!oldByPath.has(d.path)) place(d, 'added', -1);
  for (const d of next) {
    const before = oldByPath.get(d.path);
    if (!before || before.updateTime === d.updateTime) continue;
    const i = list.indexOf(before);
    list.splice(i, 1);
    place(d, 'modified', i);
  }
  return changes;
}

// The listen connection of one Firestore instance: connects when the first target is
// added, closes a second after the last one goes, reconnects with back-off (0.5 s doubling
// to 30 s, randomized) after a drop and then listens to every target again (with its
// resumeToken). Sends `auth` when the user's ID token is refreshed; reconnects when the
// user changes, so that every target is checked against the rules for the new user.
class Watch {
  constructor(db) {
    this.app = db.app;
    this.targets = new Map();
    this.nextId = 1;
    this.ws = null;
    this.open = false;
    this.connecting = false;
    this.closed = false;
    this.failures = 0;        // connections in a row that ended before any message
    this.retryTimer = null;
    this.idleTimer = null;
    this.badToken = false;    // the server refused our token: refresh it before reconnecting
    this.uid = undefined;     // whose token this connection carries
    this.token = null;
    this.stopTokenWatch = this.app.options.adminToken ? null
      : authFor(this.app)._watchToken((uid, token) => this.onToken(uid, token));
  }

  add(target) {
    if (this.closed) fail('failed-precondition', 'the Firestore instance was terminated');
    target.id = this.nextId++;  // never reused: a late snapshot cannot reach a new target
    this.targets.set(target.id, target);
    clearTimeout(this.idleTimer);
    if (this.open) this.sendListen(target);
    else this.connect();
    return () => this.remove(target);
  }

  remove(target) {
    if (!this.targets.delete(target.id)) return;
    if (this.open) this.send({ type: 'unlisten', targetId: target.id });
    if (!this.targets.size) this.idleTimer = timer(() => this.disconnect(), 1000);
  }

  send(message) {
    if (this.open) this.ws.send(toJson(message));
  }

  sendListen(target) {
    const message = { type: 'listen', targetId: target.id, ...target.spec };
    if (target.resumeToken) message.resumeToken = target.resumeToken;
    this.send(message);
  }

  async connect() {
    if (this.ws || this.connecting || this.closed || !this.targets.size) return;
    this.connecting = true;
    clearTimeout(this.retryTimer);
    const uidNow = () => (this.app.options.adminToken ? undefined
      : authFor(this.app).currentUser?.uid);
    let uid;
    let token;
    do {  // again if the user changed while the token was fetched
      uid = uidNow();
      try {
        token = await firestoreCredential(this.app, this.badToken);
      } catch {
        token = null;  // the refresh failed (and signed out) or the server is unreachable
      }
    } while (uid !== uidNow());
    this.connecting = false;
    if (this.ws || this.closed || !this.targets.size) return;
    this.badToken = false;
    const WebSocketImpl = this.app.options.WebSocket ?? globalThis.WebSocket;
    if (!WebSocketImpl) {
      const error = new FirebaseError('failed-precondition', 'no WebSocket: pass ' +
        'initializeApp({url, WebSocket}) or run Node.js with --experimental-websocket');
      for (const t of this.targets.values()) t.fail(error);
      this.targets.clear();
      return;
    }
    const ws = new WebSocketImpl(`${this.app._url.replace(/^http/, 'ws')}/v1/listen`);
    this.ws = ws;
    this.uid = uid;
    this.token = token;
    // A connection that neither opens nor fails within 10 s is given up.
    const openTimer = timer(() => {
      if (this.ws !== ws) return;
      this.onClose();
      ws.close();
    }, 10000);
    ws.onopen = () => {
      clearTimeout(openTimer);
      if (this.ws !== ws) return;
      this.open = true;
      if (this.token) this.send({ type: 'auth', token: this.token });
      for (const t of this.targets.values()) this.sendListen(t);
    };
    ws.onmessage = (event) => {
      if (this.ws === ws) this.onMessage(event.data);
    };
    ws.onclose = () => {
      clearTimeout(openTimer);
      if (this.ws === ws) this.onClose();
    };
    // Browsers follow an error with a close, but Node 20's WebSocket does not when the
    // connection fails (it stays CONNECTING): an error ends the connection here. (Node's
    // close() on a failed connection fires `error` again: this.ws is dropped first.)
    ws.onerror = () => {
      clearTimeout(openTimer);
      if (this.ws !== ws) return;
      this.onClose();
      if (ws.readyState === 1) ws.close();
    };
  }

  onMessage(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    this.failures = 0;
    if (message.type === 'snapshot') {
      this.targets.get(message.targetId)?.onSnapshot(message);
    } else if (message.type === 'error') {
      const target = this.targets.get(message.targetId);
      if (target) {
        this.targets.delete(target.id);  // the server ended it
        target.fail(new FirebaseError(message.code, message.message));
      } else if (message.code === 'unauthenticated') {
        this.badToken = true;  // the server closes the connection next
      }
    }
  }

  onClose() {
    this.ws = null;
    this.open = false;
    for (const t of this.targets.values()) t.onDisconnect();
    if (this.closed || !this.targets.size) return;
    const delay = Math.min(30000, 500 * 2 ** this.failures++) * (0.5 + Math.random() / 2);
    this.retryTimer = timer(() => this.connect(), delay);
  }

  // The signed-in user or their token changed.
  onToken(uid, token) {
    if (!this.ws) return;  // the next connection takes the current token
    if (uid !== this.uid) {
      this.reconnectNow();
    } else if (token && token !== this.token) {
      this.token = token;  // sent now, or when the connection opens
      this.send({ type: 'auth', token });
    }
  }

  reconnectNow() {
    this.disconnect();
    this.failures = 0;
    for (const t of this.targets.values()) t.onDisconnect();
    this.connect();
  }

  disconnect() {
    const ws = this.ws;
    this.ws = null;
    this.open = false;
    ws?.close(1000);
  }

  shutdown() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.idleTimer);
    this.stopTokenWatch?.();
    this.disconnect();
    this.targets.clear();
  }
}

// ---------------------------------------------------------------------------------------
// Auth
// ---------------------------------------------------------------------------------------

// A session is refreshed when less than this is left of its ID token's life.
const REFRESH_MARGIN_MS = 5 * 60 * 1000;
// reauthenticateWithCredential keeps the password this long, for the change that follows.
const REAUTH_MS = 5 * 60 * 1000;
const REDIRECT_KEY = 'hearth:redirect';
const POPUP_PARAM = 'hearth_popup';

// ---- Persistence: where the session survives reloads. Any object with get(key),
// set(key, value), remove(key) (sync or async; values are JSON-serializable) will do. ----

function webStorage(type, name) {
  const store = () => globalThis[name];
  return {
    type,
    get: (key) => JSON.parse(store().getItem(key) ?? 'null'),
    set: (key, value) => store().setItem(key, JSON.stringify(value)),
    remove: (key) => store().removeItem(key),
  };
}

export const browserLocalPersistence = webStorage('LOCAL', 'localStorage');
export const browserSessionPersistence = webStorage('SESSION', 'sessionStorage');
const memory = new Map();
export const inMemoryPersistence = {
  type: 'NONE',
  get: (key) => memory.get(key) ?? null,
  set: (key, value) => void memory.set(key, value),
  remove: (key) => void memory.delete(key),
};

function defaultPersistence() {
  try {
    if (globalThis.localStorage) return browserLocalPersistence;
  } catch {
    // localStorage refused (a sandboxed frame): keep the session in memory.
  }
  return inMemoryPersistence;
}

// ---- Errors: Hearth's canonical code and message -> Firebase's auth/... code. ----

const AUTH_CODES = [
  ['already-exists', /email/, 'email-already-in-use'],
  ['invalid-argument', /"password" is required/, 'missing-password'],
  ['invalid-argument', /needs an email|email address is required/, 'missing-email'],
  ['invalid-argument', /password/, 'weak-password'],
  ['invalid-argument', /email/, 'invalid-email'],
  ['invalid-argument', /code/, 'invalid-action-code'],
  ['failed-precondition', /link|code/, 'invalid-action-code'],
  ['unauthenticated', /recent sign-in|currentPassword/, 'requires-recent-login'],
  ['unauthenticated', /email or password/, 'invalid-credential'],
  ['unauthenticated', /./, 'user-token-expired'],
  ['permission-denied', /disabled/, 'user-disabled'],
  ['not-found', /user/, 'user-not-found'],
  ['resource-exhausted', /./, 'too-many-requests'],
  ['unavailable', /./, 'network-request-failed'],
];

function authError(e) {
  if (!(e instanceof FirebaseError) || e.code.startsWith('auth/')) return e;
  const hit = AUTH_CODES.find(([code, pattern]) => code === e.code && pattern.test(e.message));
  const mapped = new FirebaseError(`auth/${hit ? hit[2] : e.code}`, e.message);
  mapped.customData = { serverCode: e.code };
  return mapped;
}

// An error=... of the OAuth redirect (docs/auth.md) -> a Firebase error.
function redirectError(error) {
  const codes = {
    access_denied: 'user-cancelled',
    'account-exists-with-different-credential': 'account-exists-with-different-credential',
    'user-disabled': 'user-disabled',
  };
  return new FirebaseError(`auth/${codes[error] ?? 'internal-error'}`,
                           `sign-in with the provider failed: ${error} (details in the server log)`);
}

// A call to /v1/auth/*: errors mapped to auth/... codes. `user` sends the user's ID token.
async function authCall(auth, method, path, body, user = false) {
  const credential = user ? (app, force) => auth._getIdToken(force) : null;
  try {
    return await http(auth.app, method, `/v1/auth/${path}`, body, credential);
  } catch (e) {
    throw authError(e);
  }
}

const firebaseProviderId = (p) =>
  ({ password: 'password', google: 'google.com', anonymous: 'anonymous' })[p] ?? `oidc.${p}`;
const isoOrNull = (t) => (t ? new Date(t).toUTCString() : undefined);

// The JWT's claims (not verified: the server does that).
function jwtClaims(token) {
  const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export class User {
  constructor(auth, json) {
    this.auth = auth;
    this.providerId = 'firebase';
    this.phoneNumber = null;
    this.tenantId = null;
    this._apply(json);
  }
  // The server's user object (docs/auth.md "Accounts").
  _apply(json) {
    this._json = json;
    this.uid = json.uid;
    this.email = json.email ?? null;
    this.emailVerified = !!json.emailVerified;
    this.displayName = json.displayName || null;
    this.photoURL = json.photoURL || null;
    this.isAnonymous = !!json.isAnonymous;
    this.providerData = (json.providers ?? []).filter((p) => p !== 'anonymous').map((p) => ({
      providerId: firebaseProviderId(p), uid: json.uid, email: this.email,
      displayName: this.displayName, photoURL: this.photoURL, phoneNumber: null,
    }));
    this.metadata = {
      creationTime: isoOrNull(json.createdAt), lastSignInTime: isoOrNull(json.lastSignInAt),
    };
  }
  get refreshToken() {
    return this.auth.currentUser === this ? this.auth._session.refreshToken : '';
  }
  getIdToken(forceRefresh = false) {
    if (this.auth.currentUser !== this) {
      return Promise.reject(new FirebaseError('auth/user-token-expired', 'this user is signed out'));
    }
    return this.auth._getIdToken(forceRefresh);
  }
  async getIdTokenResult(forceRefresh = false) {
    const token = await this.getIdToken(forceRefresh);
    const claims = jwtClaims(token);
    const time = (s) => new Date(s * 1000).toUTCString();
    return {
      token, claims, authTime: time(claims.auth_time), issuedAtTime: time(claims.iat),
      expirationTime: time(claims.exp), signInProvider: claims.firebase?.sign_in_provider ?? null,
      signInSecondFactor: null,
    };
  }
  reload() { return reload(this); }
  delete() { return deleteUser(this); }
  toJSON() { return { ...this._json }; }
}

class UserCredential {
  constructor(user, providerId = null, operationType = 'signIn') {
    this.user = user;
    this.providerId = providerId;
    this.operationType = operationType;
  }
}

class Auth {
  constructor(app, persistence) {
    this.app = app;
    this.name = app.name;
    this.config = { url: app._url };
    this.currentUser = null;
    this.languageCode = null;
    this.tenantId = null;
    this.settings = { appVerificationDisabledForTesting: false };
    this._persistence = persistence;
    this._key = `hearth:auth:${app._url}:${app.name}`;
    this._session = null;      // {user, idToken, refreshToken, expiresAt (ms)}
    this._observers = new Set();  // {state: bool, fn}; state observers skip token refreshes
    this._refreshing = null;   // the refresh under way (one at a time: tokens rotate)
    this._timer = null;
    this._redirect = null;     // the redirect sign-in's outcome (a promise), if any
    this._reauth = null;       // {password, until} from reauthenticateWithCredential
    this._initialized = false;  // observers hear nothing before their first call
    this._onStorage = (e) => {
      if (e.key === this._key) this._reload().catch(() => {});
    };
    globalThis.addEventListener?.('storage', this._onStorage);
    this._ready = this._init();
  }

  async _init() {
    try {
      const saved = await this._persistence.get(this._key);
      if (saved?.refreshToken && saved.user) this._setSession(saved, false);
    } catch {
      // Unreadable storage: start signed out.
    }
    let redirected = false;
    try {
      redirected = !!globalThis.sessionStorage?.getItem(REDIRECT_KEY);
    } catch {
      // No sessionStorage (a sandboxed frame): no redirect sign-in either.
    }
    if (redirected) {
      this._redirect = this._finishRedirect();
      await this._redirect.catch(() => {});
    }
    this._initialized = true;
  }

  authStateReady() { return this._ready; }
  onAuthStateChanged(next, error, completed) { return this._observe(true, next); }
  onIdTokenChanged(next, error, completed) { return this._observe(false, next); }
  signOut() { return signOut(this); }
  setPersistence(persistence) { return setPersistence(this, persistence); }
  useDeviceLanguage() {}
  toJSON() { return { name: this.name, currentUser: this.currentUser?.toJSON() ?? null }; }

  _observe(state, next) {
    const fn = typeof next === 'function' ? next : (u) => next?.next?.(u);
    const observer = { state, fn };
    this._observers.add(observer);
    this._ready.then(() => {
      if (this._observers?.has(observer)) fn(this.currentUser);
    });
    return () => this._observers?.delete(observer);
  }

  // For the listen connection: called with (uid, idToken) on every sign-in, sign-out and
  // refresh.
  _watchToken(fn) {
    const observer = { state: false, fn: (user) => fn(user?.uid, this._session?.idToken ?? null) };
    this._observers.add(observer);
    return () => this._observers?.delete(observer);
  }

  _notify(userChanged) {
    if (!this._initialized || !this._observers) return;
    for (const o of [...this._observers]) {
      if (!o.state || userChanged) o.fn(this.currentUser);
    }
  }

  // Takes `session` as the current one (null: signed out) and tells the observers.
  _setSession(session, notify = true) {
    const before = this.currentUser?.uid;
    this._session = session;
    if (!session) {
      this.currentUser = null;
    } else if (this.currentUser?.uid === session.user.uid) {
      this.currentUser._apply(session.user);
    } else {
      this.currentUser = new User(this, session.user);
    }
    clearTimeout(this._timer);
    if (session && this._observers) {
      this._timer = timer(() => this._refresh().catch(() => {}),
                          Math.max(0, session.expiresAt - Date.now() - REFRESH_MARGIN_MS));
    }
    if (notify) this._notify(before !== this.currentUser?.uid);
  }

  async _save() {
    if (this._session) await this._persistence.set(this._key, this._session);
    else await this._persistence.remove(this._key);
  }

  // A session from the server's answer {user, idToken, refreshToken, expiresIn}.
  async _signedIn(answer) {
    this._reauth = null;
    this._setSession({
      user: answer.user, idToken: answer.idToken, refreshToken: answer.refreshToken,
      expiresAt: Date.now() + answer.expiresIn * 1000,
    });
    await this._save();
  }

  async _signedOut() {
    this._reauth = null;
    this._setSession(null);
    await this._save();
  }

  // Another tab changed the stored session.
  async _reload() {
    const saved = await this._persistence.get(this._key);
    if (saved?.refreshToken !== this._session?.refreshToken) {
      this._setSession(saved?.refreshToken ? saved : null);
    }
  }

  async _getIdToken(force = false) {
    await this._ready;
    if (!this._session) return null;
    if (force || this._session.expiresAt - Date.now() < REFRESH_MARGIN_MS) await this._refresh();
    return this._session?.idToken ?? null;
  }

  _refresh() {
    return (this._refreshing ??= this._doRefresh().finally(() => {
      this._refreshing = null;
    }));
  }

  // Refresh tokens rotate, and presenting a used one ends the session (theft detection),
  // so tabs sharing a stored session must not refresh it at the same time: the Web Locks
  // API serializes them, and a tab takes the stored session if another already refreshed.
  async _doRefresh() {
    const run = async () => {
      const session = this._session;
      if (!session) return;
      const saved = await this._persistence.get(this._key);
      if (saved?.user?.uid === session.user.uid && saved.refreshToken !== session.refreshToken &&
          saved.expiresAt - Date.now() > REFRESH_MARGIN_MS) {
        this._setSession(saved);
        return;
      }
      let answer;
      try {
        answer = await authCall(this, 'POST', 'token', { refreshToken: session.refreshToken });
      } catch (e) {
        if (this._session === session && e.code === 'auth/user-token-expired') {
          await this._signedOut();  // the session ended (signed out elsewhere, revoked, ...)
        } else if (this._session === session) {
          this._timer = timer(() => this._refresh().catch(() => {}), 30000);
        }
        throw e;
      }
      if (this._session !== session) return;  // signed out or switched meanwhile
      this._setSession({
        ...session, idToken: answer.idToken, refreshToken: answer.refreshToken,
        expiresAt: Date.now() + answer.expiresIn * 1000,
      });
      await this._save();
    };
    const locks = globalThis.navigator?.locks;
    return locks ? locks.request(this._key, run) : run();
  }

  // Back from the provider after signInWithRedirect: ?code= (or ?error=) in the page's URL.
  async _finishRedirect() {
    const providerId = globalThis.sessionStorage.getItem(REDIRECT_KEY);
    globalThis.sessionStorage.removeItem(REDIRECT_KEY);
    const url = new URL(globalThis.location.href);
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    if (!code && !error) return null;
    url.searchParams.delete('code');
    url.searchParams.delete('error');
    globalThis.history?.replaceState?.(globalThis.history.state, '', url.href);
    if (error) throw redirectError(error);
    await this._signedIn(await authCall(this, 'POST', 'oauth/exchange', { code }));
    return new UserCredential(this.currentUser, providerId);
  }

  _delete() {
    clearTimeout(this._timer);
    globalThis.removeEventListener?.('storage', this._onStorage);
    this._observers = null;  // deleted: no more observers or refresh timers
  }
}

// The Auth of an app (Firestore uses it too, for the user's ID token).
function authFor(app) {
  return (app._components.auth ??= new Auth(app, defaultPersistence()));
}

export const getAuth = (app = getApp()) => authFor(app);

// deps: {persistence}: an object from above, or any {get, set, remove}; a list takes
// the first.
export function initializeAuth(app, deps = {}) {
  const persistence = [deps.persistence].flat()[0] ?? defaultPersistence();
  const existing = app._components.auth;
  if (existing) {
    if (existing._persistence === persistence) return existing;
    fail('auth/already-initialized', 'initializeAuth() must come before getAuth()');
  }
  return (app._components.auth = new Auth(app, persistence));
}

export async function setPersistence(auth, persistence) {
  await auth._ready;
  await auth._persistence.remove(auth._key);
  auth._persistence = persistence;
  await auth._save();
}

export const onAuthStateChanged = (auth, next, error, completed) => auth._observe(true, next);
export const onIdTokenChanged = (auth, next, error, completed) => auth._observe(false, next);

async function signInWith(auth, path, body) {
  await auth._ready;
  await auth._signedIn(await authCall(auth, 'POST', path, body));
  return new UserCredential(auth.currentUser);
}

export const createUserWithEmailAndPassword = (auth, email, password) =>
  signInWith(auth, 'signUp', { email, password });
export const signInWithEmailAndPassword = (auth, email, password) =>
  signInWith(auth, 'signInWithPassword', { email, password });

// Keeps the current anonymous user, as Firebase does.
export async function signInAnonymously(auth) {
  await auth._ready;
  if (auth.currentUser?.isAnonymous) return new UserCredential(auth.currentUser);
  return signInWith(auth, 'signInAnonymously');
}

// Ends the session on the server (best effort) and here.
export async function signOut(auth) {
  await auth._ready;
  const session = auth._session;
  if (!session) return;
  await auth._signedOut();
  await authCall(auth, 'POST', 'signOut', { refreshToken: session.refreshToken }).catch(() => {});
}

// ---- Email and password credentials ----

export class EmailAuthProvider {
  static PROVIDER_ID = 'password';
  static EMAIL_PASSWORD_SIGN_IN_METHOD = 'password';
  static credential(email, password) {
    return { providerId: 'password', signInMethod: 'password', _email: email, _password: password };
  }
}

export async function signInWithCredential(auth, credential) {
  if (credential?.providerId !== 'password') {
    fail('auth/invalid-credential', 'only EmailAuthProvider credentials are supported');
  }
  return signInWithEmailAndPassword(auth, credential._email, credential._password);
}

// Signs in again (the same user) and keeps the password for five minutes: Hearth asks for
// it (currentPassword) when a user with a password changes their email or password.
export async function reauthenticateWithCredential(user, credential) {
  const auth = user.auth;
  if (credential?.providerId !== 'password') {
    fail('auth/invalid-credential', 'only EmailAuthProvider credentials are supported');
  }
  const answer = await authCall(auth, 'POST', 'signInWithPassword',
    { email: credential._email, password: credential._password });
  if (answer.user.uid !== user.uid) {
    fail('auth/user-mismatch', 'the credential belongs to another user');
  }
  await auth._signedIn(answer);
  auth._reauth = { password: credential._password, until: Date.now() + REAUTH_MS };
  return new UserCredential(auth.currentUser, null, 'reauthenticate');
}

// An anonymous user gets an email and password, keeping their uid.
export async function linkWithCredential(user, credential) {
  if (credential?.providerId !== 'password') {
    fail('auth/invalid-credential', 'only EmailAuthProvider credentials are supported');
  }
  await updateMe(user, { email: credential._email, password: credential._password });
  return new UserCredential(user.auth.currentUser, null, 'link');
}

// PATCH /v1/auth/me. A change of email or password comes with new tokens.
async function updateMe(user, changes) {
  const auth = user.auth;
  const reauth = auth._reauth;
  if ((changes.email || changes.password) && reauth && reauth.until > Date.now()) {
    changes.currentPassword = reauth.password;
  }
  const answer = await authCall(auth, 'PATCH', 'me', changes, true);
  if (auth.currentUser !== user) return;
  if (answer.idToken) {
    await auth._signedIn(answer);  // forgets the reauthentication, which still holds:
    if (reauth) auth._reauth = { ...reauth, password: changes.password ?? reauth.password };
  } else {
    auth._session = { ...auth._session, user: answer.user };
    user._apply(answer.user);
    await auth._save();
  }
}

// profile: {displayName, photoURL}; null clears a field.
export function updateProfile(user, profile) {
  const changes = {};
  for (const key of ['displayName', 'photoURL']) {
    if (profile[key] !== undefined) changes[key] = profile[key] ?? '';
  }
  return updateMe(user, changes);
}

export const updateEmail = (user, email) => updateMe(user, { email });
export const updatePassword = (user, password) => updateMe(user, { password });

export async function reload(user) {
  const auth = user.auth;
  const json = await authCall(auth, 'GET', 'me', undefined, true);
  if (auth.currentUser !== user) return;
  auth._session = { ...auth._session, user: json };
  user._apply(json);
  await auth._save();
}

// Needs a sign-in within five minutes, or reauthenticateWithCredential() first.
export async function deleteUser(user) {
  const auth = user.auth;
  const reauth = auth._reauth;
  const body = reauth && reauth.until > Date.now() ? { password: reauth.password } : {};
  await authCall(auth, 'POST', 'delete', body, true);
  if (auth.currentUser === user) await auth._signedOut();
}

export async function sendEmailVerification(user) {
  await authCall(user.auth, 'POST', 'sendEmailVerification', undefined, true);
}

export async function sendPasswordResetEmail(auth, email) {
  await authCall(auth, 'POST', 'sendPasswordReset', { email });
}

export async function confirmPasswordReset(auth, oobCode, newPassword) {
  await authCall(auth, 'POST', 'resetPassword', { code: oobCode, newPassword });
}

// Verifies an email address (the oobCode of a verification link).
export async function applyActionCode(auth, oobCode) {
  const answer = await authCall(auth, 'POST', 'verifyEmail', { code: oobCode });
  const user = auth.currentUser;
  if (user && answer?.user?.uid === user.uid) {
    auth._session = { ...auth._session, user: answer.user };
    user._apply(answer.user);
    await auth._save();
  }
}

// ---- Google and OpenID Connect providers, through Hearth's OAuth endpoints ----

// new OAuthProvider('oidc.corp') is Hearth's provider "corp" (hearth.json auth.providers).
export class OAuthProvider {
  constructor(providerId) {
    this.providerId = providerId;
    this._scopes = [];
    this._parameters = {};
  }
  // Kept for compatibility: Hearth takes scopes and parameters from hearth.json.
  addScope(scope) {
    this._scopes.push(scope);
    return this;
  }
  setCustomParameters(parameters) {
    this._parameters = { ...parameters };
    return this;
  }
  // Hearth does not hand out the provider's own tokens.
  static credentialFromResult() { return null; }
  static credentialFromError() { return null; }
  get _hearthName() {
    return this.providerId === 'google.com' ? 'google' : this.providerId.replace(/^oidc\./, '');
  }
}

export class GoogleAuthProvider extends OAuthProvider {
  static PROVIDER_ID = 'google.com';
  constructor() { super('google.com'); }
}

const unsupported = () => new FirebaseError('auth/operation-not-supported-in-this-environment',
  'sign-in with a provider needs a browser (location, sessionStorage, window.open)');

function oauthStartUrl(auth, provider, redirect) {
  return `${auth.app._url}/v1/auth/oauth/${encodeURIComponent(provider._hearthName)}/start` +
      `?redirect=${encodeURIComponent(redirect)}`;
}

// Asks the server whether the sign-in at `url` (its start URL) can begin, before a popup or
// the page goes there: otherwise a refusal (unknown provider, redirect not on the allow-list)
// leaves the user on the server's JSON and the promise pending. The start URL is fetched
// without following its redirect to the provider: a redirect (opaque in browsers) means
// yes; the state it stores on the server is never used and expires.
async function checkOAuthStart(auth, url) {
  let response;
  try {
    response = await auth.app._fetch(url, { redirect: 'manual' });
  } catch (e) {
    throw new FirebaseError('auth/network-request-failed', `cannot reach ${auth.app._url}: ${e.message}`);
  }
  if (response.type === 'opaqueredirect' || response.ok ||
      (response.status >= 300 && response.status < 400)) {
    return;
  }
  let error = null;
  try {
    error = JSON.parse(await response.text())?.error;
  } catch {
    // Not JSON (a proxy's page): the status decides below.
  }
  const serverCode = error?.code ?? STATUS_CODES[response.status] ?? 'unknown';
  const message = error?.message ?? `HTTP ${response.status} from the sign-in start`;
  let code = 'internal-error';
  if (serverCode === 'not-found') {
    code = 'operation-not-allowed';  // no such provider in hearth.json
  } else if (serverCode === 'permission-denied' ||
             (serverCode === 'invalid-argument' && /redirect/.test(message))) {
    code = 'unauthorized-domain';  // this page is not on auth.redirectAllowList
  } else if (serverCode === 'unavailable') {
    code = 'network-request-failed';
  }
  const mapped = new FirebaseError(`auth/${code}`, message);
  mapped.customData = { serverCode };
  throw mapped;
}

// This page's URL without the parameters a sign-in adds (it must be on the server's
// auth.redirectAllowList; by default the server's own URL).
function returnUrl() {
  const url = new URL(globalThis.location.href);
  for (const p of ['code', 'error', POPUP_PARAM]) url.searchParams.delete(p);
  url.hash = '';
  return url;
}

// Navigates to the provider; the page comes back with ?code=..., which getRedirectResult
// (or the next getAuth) exchanges for a session. Never resolves: the page goes away.
export async function signInWithRedirect(auth, provider) {
  if (!globalThis.location?.assign || !globalThis.sessionStorage) throw unsupported();
  await auth._ready;
  const start = oauthStartUrl(auth, provider, returnUrl().href);
  await checkOAuthStart(auth, start);
  globalThis.sessionStorage.setItem(REDIRECT_KEY, provider.providerId);
  globalThis.location.assign(start);
  return new Promise(() => {});
}

// The outcome of a redirect sign-in that brought this page back, or null.
export async function getRedirectResult(auth) {
  await auth._ready;
  return auth._redirect ?? null;
}

// Opens a popup at once (synchronously, so the browser sees the user's click), blank until
// the server agrees the sign-in can start (checkOAuthStart; a refusal closes it); then sends
// it to the start URL. It comes back to this page's URL with ?hearth_popup=1&code=...; this
// page reads the popup's address once it is same-origin again, closes it and exchanges the
// code.
export function signInWithPopup(auth, provider) {
  if (typeof globalThis.open !== 'function' || !globalThis.location) {
    return Promise.reject(unsupported());
  }
  const back = returnUrl();
  back.searchParams.set(POPUP_PARAM, '1');
  const start = oauthStartUrl(auth, provider, back.href);
  const popup = globalThis.open('about:blank', 'hearth-sign-in', 'popup,width=500,height=650');
  if (!popup) {
    return Promise.reject(new FirebaseError('auth/popup-blocked', 'the browser blocked the popup'));
  }
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error, params) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      if (error) reject(error);
      else resolve(params);
    };
    const poll = setInterval(() => {
      let url = null;
      try {
        url = new URL(popup.location.href);
      } catch {
        // On the provider's origin (unreadable).
      }
      if (url && url.origin === back.origin && url.pathname === back.pathname &&
          url.searchParams.has(POPUP_PARAM) &&
          (url.searchParams.has('code') || url.searchParams.has('error'))) {
        popup.close();
        finish(null, url.searchParams);
      } else if (popup.closed) {
        finish(new FirebaseError('auth/popup-closed-by-user', 'the popup was closed'));
      }
    }, 100);
    checkOAuthStart(auth, start).then(() => {
      if (!done && !popup.closed) popup.location.replace(start);
    }, (e) => {
      popup.close();
      finish(e);
    });
  }).then(async (params) => {
    if (params.get('error')) throw redirectError(params.get('error'));
    await auth._ready;
    await auth._signedIn(await authCall(auth, 'POST', 'oauth/exchange', { code: params.get('code') }));
    return new UserCredential(auth.currentUser, provider.providerId);
  });
}
