// Type declarations for the Hearth JavaScript SDK (hearth.js): Firebase's v9+ modular
// API for Firestore and Auth, against a Hearth server. See docs/sdk.md.

// ---- Errors ----

/** Every error: `code` is Firestore's ('permission-denied', ...) or 'auth/...'. */
export class FirebaseError extends Error {
  readonly name: 'FirebaseError';
  readonly code: string;
  customData?: Record<string, unknown>;
  constructor(code: string, message: string, customData?: Record<string, unknown>);
}
export { FirebaseError as FirestoreError };

export type FirestoreErrorCode =
  | 'cancelled' | 'unknown' | 'invalid-argument' | 'deadline-exceeded' | 'not-found'
  | 'already-exists' | 'permission-denied' | 'resource-exhausted' | 'failed-precondition'
  | 'aborted' | 'out-of-range' | 'unimplemented' | 'internal' | 'unavailable' | 'data-loss'
  | 'unauthenticated';

// ---- App ----

export interface HearthOptions {
  /** The Hearth server, e.g. "https://app.example.com". Default: the page's origin. */
  url?: string;
  /** A WebSocket constructor, when globalThis.WebSocket is missing (Node.js 20). */
  WebSocket?: unknown;
  /** A fetch function (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** The server's admin token: for back ends and scripts only (bypasses the rules). */
  adminToken?: string;
  [key: string]: unknown;
}

export interface FirebaseApp {
  readonly name: string;
  readonly options: HearthOptions;
  automaticDataCollectionEnabled: boolean;
}

export function initializeApp(options?: HearthOptions, name?: string | { name?: string }): FirebaseApp;
export function getApp(name?: string): FirebaseApp;
export function getApps(): FirebaseApp[];
export function deleteApp(app: FirebaseApp): Promise<void>;

// ---- Values ----

export class Timestamp {
  constructor(seconds: number, nanoseconds: number);
  readonly seconds: number;
  readonly nanoseconds: number;
  static now(): Timestamp;
  static fromDate(date: Date): Timestamp;
  static fromMillis(milliseconds: number): Timestamp;
  toDate(): Date;
  toMillis(): number;
  isEqual(other: Timestamp): boolean;
  valueOf(): string;
  toString(): string;
  toJSON(): { seconds: number; nanoseconds: number };
}

export class GeoPoint {
  constructor(latitude: number, longitude: number);
  readonly latitude: number;
  readonly longitude: number;
  isEqual(other: GeoPoint): boolean;
  toJSON(): { latitude: number; longitude: number };
}

export class Bytes {
  private constructor();
  static fromBase64String(base64: string): Bytes;
  static fromUint8Array(array: Uint8Array): Bytes;
  toBase64(): string;
  toUint8Array(): Uint8Array;
  isEqual(other: Bytes): boolean;
  toString(): string;
}

export class FieldPath {
  constructor(...fieldNames: string[]);
  isEqual(other: FieldPath): boolean;
}
export function documentId(): FieldPath;

/** A sentinel: a write transform or deleteField(). */
export class FieldValue {
  private constructor();
  isEqual(other: FieldValue): boolean;
}
export function serverTimestamp(): FieldValue;
export function deleteField(): FieldValue;
export function increment(n: number): FieldValue;
export function arrayUnion(...elements: unknown[]): FieldValue;
export function arrayRemove(...elements: unknown[]): FieldValue;

export type DocumentData = { [field: string]: any };
export type WithFieldValue<T> = T | { [K in keyof T]: WithFieldValue<T[K]> | FieldValue };
export type PartialWithFieldValue<T> = Partial<T> | { [K in keyof T]?: PartialWithFieldValue<T[K]> | FieldValue };
export type UpdateData<T> = { [K in keyof T]?: T[K] | FieldValue } & { [fieldPath: string]: any };

// ---- Firestore, references, queries ----

export interface FirestoreSettings {
  /** Drop undefined fields instead of refusing them. */
  ignoreUndefinedProperties?: boolean;
}

export class Firestore {
  private constructor();
  readonly app: FirebaseApp;
  readonly type: 'firestore';
  toJSON(): object;
}

export function getFirestore(app?: FirebaseApp): Firestore;
export function initializeFirestore(app: FirebaseApp, settings: FirestoreSettings): Firestore;
export function terminate(firestore: Firestore): Promise<void>;

export interface SnapshotOptions {
  readonly serverTimestamps?: 'estimate' | 'previous' | 'none';
}

export interface FirestoreDataConverter<AppModelType, DbModelType extends DocumentData = DocumentData> {
  toFirestore(modelObject: WithFieldValue<AppModelType>): WithFieldValue<DbModelType>;
  toFirestore(modelObject: PartialWithFieldValue<AppModelType>, options: SetOptions): PartialWithFieldValue<DbModelType>;
  fromFirestore(snapshot: QueryDocumentSnapshot<DocumentData>, options?: SnapshotOptions): AppModelType;
}

export class DocumentReference<T = DocumentData> {
  private constructor();
  readonly type: 'document';
  readonly firestore: Firestore;
  readonly converter: FirestoreDataConverter<T> | null;
  readonly id: string;
  readonly path: string;
  readonly parent: CollectionReference<T>;
  withConverter<U>(converter: FirestoreDataConverter<U>): DocumentReference<U>;
  withConverter(converter: null): DocumentReference<DocumentData>;
  toJSON(): object;
}

export class Query<T = DocumentData> {
  protected constructor();
  readonly type: 'query' | 'collection';
  readonly firestore: Firestore;
  readonly converter: FirestoreDataConverter<T> | null;
  withConverter<U>(converter: FirestoreDataConverter<U>): Query<U>;
  withConverter(converter: null): Query<DocumentData>;
}

export class CollectionReference<T = DocumentData> extends Query<T> {
  private constructor();
  readonly type: 'collection';
  readonly id: string;
  readonly path: string;
  readonly parent: DocumentReference<DocumentData> | null;
  withConverter<U>(converter: FirestoreDataConverter<U>): CollectionReference<U>;
  withConverter(converter: null): CollectionReference<DocumentData>;
}

export function collection(firestore: Firestore, path: string, ...pathSegments: string[]): CollectionReference<DocumentData>;
export function collection(reference: DocumentReference<any> | CollectionReference<any>, path: string, ...pathSegments: string[]): CollectionReference<DocumentData>;
export function collectionGroup(firestore: Firestore, collectionId: string): Query<DocumentData>;
export function doc(firestore: Firestore, path: string, ...pathSegments: string[]): DocumentReference<DocumentData>;
export function doc<T>(reference: CollectionReference<T>, path?: string, ...pathSegments: string[]): DocumentReference<T>;
export function doc(reference: DocumentReference<any>, path: string, ...pathSegments: string[]): DocumentReference<DocumentData>;
export function refEqual<T>(left: DocumentReference<T> | CollectionReference<T>, right: DocumentReference<T> | CollectionReference<T>): boolean;
export function queryEqual<T>(left: Query<T>, right: Query<T>): boolean;

export type WhereFilterOp =
  | '<' | '<=' | '==' | '!=' | '>=' | '>' | 'array-contains' | 'in' | 'array-contains-any' | 'not-in';
export type OrderByDirection = 'asc' | 'desc';
export type QueryConstraintType =
  | 'where' | 'orderBy' | 'limit' | 'limitToLast' | 'startAt' | 'startAfter' | 'endAt' | 'endBefore';

export abstract class QueryConstraint {
  readonly type: QueryConstraintType;
}
export class QueryFilterConstraint {
  readonly type: 'where' | 'and' | 'or';
}
export type QueryFieldFilterConstraint = QueryFilterConstraint;
export type QueryCompositeFilterConstraint = QueryFilterConstraint;

export function query<T>(query: Query<T>, ...constraints: Array<QueryConstraint | QueryFilterConstraint>): Query<T>;
export function where(fieldPath: string | FieldPath, opStr: WhereFilterOp, value: unknown): QueryFilterConstraint;
export function and(...queryConstraints: QueryFilterConstraint[]): QueryFilterConstraint;
export function or(...queryConstraints: QueryFilterConstraint[]): QueryFilterConstraint;
export function orderBy(fieldPath: string | FieldPath, directionStr?: OrderByDirection): QueryConstraint;
export function limit(limit: number): QueryConstraint;
export function limitToLast(limit: number): QueryConstraint;
export function startAt(snapshot: DocumentSnapshot<any>): QueryConstraint;
export function startAt(...fieldValues: unknown[]): QueryConstraint;
export function startAfter(snapshot: DocumentSnapshot<any>): QueryConstraint;
export function startAfter(...fieldValues: unknown[]): QueryConstraint;
export function endAt(snapshot: DocumentSnapshot<any>): QueryConstraint;
export function endAt(...fieldValues: unknown[]): QueryConstraint;
export function endBefore(snapshot: DocumentSnapshot<any>): QueryConstraint;
export function endBefore(...fieldValues: unknown[]): QueryConstraint;

// ---- Snapshots ----

export class SnapshotMetadata {
  private constructor();
  /** Always false: local writes are not applied to snapshots before the server has them. */
  readonly hasPendingWrites: boolean;
  /** True while a listener's connection is down (the snapshot is its last known view). */
  readonly fromCache: boolean;
  isEqual(other: SnapshotMetadata): boolean;
}

export class DocumentSnapshot<T = DocumentData> {
  protected constructor();
  readonly ref: DocumentReference<T>;
  readonly id: string;
  readonly metadata: SnapshotMetadata;
  exists(): this is QueryDocumentSnapshot<T>;
  data(options?: SnapshotOptions): T | undefined;
  get(fieldPath: string | FieldPath, options?: SnapshotOptions): any;
}

export class QueryDocumentSnapshot<T = DocumentData> extends DocumentSnapshot<T> {
  data(options?: SnapshotOptions): T;
}

export type DocumentChangeType = 'added' | 'removed' | 'modified';
export interface DocumentChange<T = DocumentData> {
  readonly type: DocumentChangeType;
  readonly doc: QueryDocumentSnapshot<T>;
  /** Index before the change (-1 for added), in the list as the changes are applied in order. */
  readonly oldIndex: number;
  /** Index after the change (-1 for removed). */
  readonly newIndex: number;
}

export class QuerySnapshot<T = DocumentData> {
  private constructor();
  readonly query: Query<T>;
  readonly docs: Array<QueryDocumentSnapshot<T>>;
  readonly size: number;
  readonly empty: boolean;
  readonly metadata: SnapshotMetadata;
  forEach(callback: (result: QueryDocumentSnapshot<T>) => void, thisArg?: unknown): void;
  docChanges(options?: SnapshotListenOptions): Array<DocumentChange<T>>;
}

// ---- Reads and writes ----

export interface SetOptions {
  readonly merge?: boolean;
  readonly mergeFields?: Array<string | FieldPath>;
}

export function getDoc<T>(reference: DocumentReference<T>): Promise<DocumentSnapshot<T>>;
export function getDocFromServer<T>(reference: DocumentReference<T>): Promise<DocumentSnapshot<T>>;
export function getDocs<T>(query: Query<T>): Promise<QuerySnapshot<T>>;
export function getDocsFromServer<T>(query: Query<T>): Promise<QuerySnapshot<T>>;
export function setDoc<T>(reference: DocumentReference<T>, data: WithFieldValue<T>): Promise<void>;
export function setDoc<T>(reference: DocumentReference<T>, data: PartialWithFieldValue<T>, options: SetOptions): Promise<void>;
export function updateDoc<T>(reference: DocumentReference<T>, data: UpdateData<T>): Promise<void>;
export function updateDoc(reference: DocumentReference<any>, field: string | FieldPath, value: unknown, ...moreFieldsAndValues: unknown[]): Promise<void>;
export function deleteDoc(reference: DocumentReference<any>): Promise<void>;
export function addDoc<T>(reference: CollectionReference<T>, data: WithFieldValue<T>): Promise<DocumentReference<T>>;

// ---- Batches and transactions ----

export class WriteBatch {
  private constructor();
  set<T>(reference: DocumentReference<T>, data: WithFieldValue<T>): WriteBatch;
  set<T>(reference: DocumentReference<T>, data: PartialWithFieldValue<T>, options: SetOptions): WriteBatch;
  update<T>(reference: DocumentReference<T>, data: UpdateData<T>): WriteBatch;
  update(reference: DocumentReference<any>, field: string | FieldPath, value: unknown, ...moreFieldsAndValues: unknown[]): WriteBatch;
  delete(reference: DocumentReference<any>): WriteBatch;
  commit(): Promise<void>;
}
export function writeBatch(firestore: Firestore): WriteBatch;

export class Transaction {
  private constructor();
  get<T>(reference: DocumentReference<T>): Promise<DocumentSnapshot<T>>;
  set<T>(reference: DocumentReference<T>, data: WithFieldValue<T>): this;
  set<T>(reference: DocumentReference<T>, data: PartialWithFieldValue<T>, options: SetOptions): this;
  update<T>(reference: DocumentReference<T>, data: UpdateData<T>): this;
  update(reference: DocumentReference<any>, field: string | FieldPath, value: unknown, ...moreFieldsAndValues: unknown[]): this;
  delete(reference: DocumentReference<any>): this;
}
export interface TransactionOptions {
  /** Attempts before giving up with 'aborted' (default 5). */
  readonly maxAttempts?: number;
}
export function runTransaction<R>(firestore: Firestore, updateFunction: (transaction: Transaction) => Promise<R>, options?: TransactionOptions): Promise<R>;

// ---- Aggregations ----

export class AggregateField<R = unknown> {
  private constructor();
  readonly type: 'AggregateField';
  readonly aggregateType: 'count' | 'sum' | 'avg';
}
export type AggregateSpec = { [alias: string]: AggregateField<any> };
export type AggregateSpecData<S extends AggregateSpec> = {
  [P in keyof S]: S[P] extends AggregateField<infer R> ? R : never;
};
export class AggregateQuerySnapshot<S extends AggregateSpec> {
  private constructor();
  readonly type: 'AggregateQuerySnapshot';
  readonly query: Query<unknown>;
  data(): AggregateSpecData<S>;
}
export function count(): AggregateField<number>;
export function sum(field: string | FieldPath): AggregateField<number>;
export function average(field: string | FieldPath): AggregateField<number | null>;
export function getCountFromServer(query: Query<unknown>): Promise<AggregateQuerySnapshot<{ count: AggregateField<number> }>>;
export function getAggregateFromServer<S extends AggregateSpec>(query: Query<unknown>, aggregateSpec: S): Promise<AggregateQuerySnapshot<S>>;

// ---- Listeners ----

export interface SnapshotListenOptions {
  /** Also report snapshots whose only change is metadata.fromCache. */
  readonly includeMetadataChanges?: boolean;
}
export type Unsubscribe = () => void;
export interface SnapshotObserver<S> {
  next?: (snapshot: S) => void;
  error?: (error: FirebaseError) => void;
  complete?: () => void;
}

export function onSnapshot<T>(reference: DocumentReference<T>, observer: SnapshotObserver<DocumentSnapshot<T>>): Unsubscribe;
export function onSnapshot<T>(reference: DocumentReference<T>, options: SnapshotListenOptions, observer: SnapshotObserver<DocumentSnapshot<T>>): Unsubscribe;
export function onSnapshot<T>(reference: DocumentReference<T>, onNext: (snapshot: DocumentSnapshot<T>) => void, onError?: (error: FirebaseError) => void, onCompletion?: () => void): Unsubscribe;
export function onSnapshot<T>(reference: DocumentReference<T>, options: SnapshotListenOptions, onNext: (snapshot: DocumentSnapshot<T>) => void, onError?: (error: FirebaseError) => void, onCompletion?: () => void): Unsubscribe;
export function onSnapshot<T>(query: Query<T>, observer: SnapshotObserver<QuerySnapshot<T>>): Unsubscribe;
export function onSnapshot<T>(query: Query<T>, options: SnapshotListenOptions, observer: SnapshotObserver<QuerySnapshot<T>>): Unsubscribe;
export function onSnapshot<T>(query: Query<T>, onNext: (snapshot: QuerySnapshot<T>) => void, onError?: (error: FirebaseError) => void, onCompletion?: () => void): Unsubscribe;
export function onSnapshot<T>(query: Query<T>, options: SnapshotListenOptions, onNext: (snapshot: QuerySnapshot<T>) => void, onError?: (error: FirebaseError) => void, onCompletion?: () => void): Unsubscribe;

// ---- Auth ----

/** Where a session survives reloads. Values are JSON-serializable objects. */
export interface Persistence {
  readonly type: string;
  get(key: string): unknown | Promise<unknown>;
  set(key: string, value: unknown): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}
export const browserLocalPersistence: Persistence;
export const browserSessionPersistence: Persistence;
export const inMemoryPersistence: Persistence;

export interface UserInfo {
  readonly providerId: string;
  readonly uid: string;
  readonly email: string | null;
  readonly displayName: string | null;
  readonly photoURL: string | null;
  readonly phoneNumber: string | null;
}

export interface UserMetadata {
  readonly creationTime?: string;
  readonly lastSignInTime?: string;
}

export interface IdTokenResult {
  token: string;
  claims: { [claim: string]: unknown };
  authTime: string;
  issuedAtTime: string;
  expirationTime: string;
  signInProvider: string | null;
  signInSecondFactor: string | null;
}

export class User implements UserInfo {
  private constructor();
  readonly auth: Auth;
  readonly uid: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly displayName: string | null;
  readonly photoURL: string | null;
  readonly phoneNumber: null;
  readonly isAnonymous: boolean;
  readonly providerId: 'firebase';
  readonly providerData: UserInfo[];
  readonly metadata: UserMetadata;
  readonly tenantId: null;
  readonly refreshToken: string;
  getIdToken(forceRefresh?: boolean): Promise<string>;
  getIdTokenResult(forceRefresh?: boolean): Promise<IdTokenResult>;
  reload(): Promise<void>;
  delete(): Promise<void>;
  toJSON(): object;
}

export interface UserCredential {
  user: User;
  providerId: string | null;
  operationType: 'signIn' | 'link' | 'reauthenticate';
}

export type NextOrObserver<T> = ((value: T) => void) | { next?: (value: T) => void };

export interface Auth {
  readonly app: FirebaseApp;
  readonly name: string;
  readonly config: { url: string };
  readonly currentUser: User | null;
  languageCode: string | null;
  tenantId: string | null;
  readonly settings: { appVerificationDisabledForTesting: boolean };
  authStateReady(): Promise<void>;
  onAuthStateChanged(nextOrObserver: NextOrObserver<User | null>, error?: (e: Error) => void, completed?: () => void): Unsubscribe;
  onIdTokenChanged(nextOrObserver: NextOrObserver<User | null>, error?: (e: Error) => void, completed?: () => void): Unsubscribe;
  setPersistence(persistence: Persistence): Promise<void>;
  signOut(): Promise<void>;
  useDeviceLanguage(): void;
  toJSON(): object;
}

export function getAuth(app?: FirebaseApp): Auth;
export function initializeAuth(app: FirebaseApp, deps?: { persistence?: Persistence | Persistence[] }): Auth;
export function setPersistence(auth: Auth, persistence: Persistence): Promise<void>;
export function onAuthStateChanged(auth: Auth, nextOrObserver: NextOrObserver<User | null>, error?: (e: Error) => void, completed?: () => void): Unsubscribe;
export function onIdTokenChanged(auth: Auth, nextOrObserver: NextOrObserver<User | null>, error?: (e: Error) => void, completed?: () => void): Unsubscribe;

export function createUserWithEmailAndPassword(auth: Auth, email: string, password: string): Promise<UserCredential>;
export function signInWithEmailAndPassword(auth: Auth, email: string, password: string): Promise<UserCredential>;
export function signInAnonymously(auth: Auth): Promise<UserCredential>;
export function signOut(auth: Auth): Promise<void>;

export interface AuthCredential {
  readonly providerId: string;
  readonly signInMethod: string;
}
export class EmailAuthProvider {
  static readonly PROVIDER_ID: 'password';
  static readonly EMAIL_PASSWORD_SIGN_IN_METHOD: 'password';
  static credential(email: string, password: string): AuthCredential;
}
export function signInWithCredential(auth: Auth, credential: AuthCredential): Promise<UserCredential>;
export function reauthenticateWithCredential(user: User, credential: AuthCredential): Promise<UserCredential>;
export function linkWithCredential(user: User, credential: AuthCredential): Promise<UserCredential>;

export function updateProfile(user: User, profile: { displayName?: string | null; photoURL?: string | null }): Promise<void>;
export function updateEmail(user: User, newEmail: string): Promise<void>;
export function updatePassword(user: User, newPassword: string): Promise<void>;
export function reload(user: User): Promise<void>;
export function deleteUser(user: User): Promise<void>;
export function sendEmailVerification(user: User): Promise<void>;
export function sendPasswordResetEmail(auth: Auth, email: string): Promise<void>;
export function confirmPasswordReset(auth: Auth, oobCode: string, newPassword: string): Promise<void>;
export function applyActionCode(auth: Auth, oobCode: string): Promise<void>;

export class OAuthProvider {
  /** 'google.com', or 'oidc.NAME' for the provider NAME of hearth.json auth.providers. */
  constructor(providerId: string);
  readonly providerId: string;
  /** Accepted for compatibility; Hearth takes scopes from hearth.json. */
  addScope(scope: string): this;
  /** Accepted for compatibility; not sent. */
  setCustomParameters(customOAuthParameters: Record<string, string>): this;
  /** Always null: Hearth does not hand out the provider's own tokens. */
  static credentialFromResult(userCredential: UserCredential): null;
  static credentialFromError(error: FirebaseError): null;
}
export class GoogleAuthProvider extends OAuthProvider {
  static readonly PROVIDER_ID: 'google.com';
  constructor();
}

export function signInWithPopup(auth: Auth, provider: OAuthProvider): Promise<UserCredential>;
export function signInWithRedirect(auth: Auth, provider: OAuthProvider): Promise<never>;
export function getRedirectResult(auth: Auth): Promise<UserCredential | null>;
