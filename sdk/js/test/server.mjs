// Starts a real Hearth server for the SDK tests: a temporary project (firestore.rules,
// hearth.json) and data folder, the binary from $HEARTH_BIN, the port and the admin token
// read back; stop() kills it, restart() brings it back on the same port and data.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HEARTH_BIN = process.env.HEARTH_BIN ??
    new URL('../../../build/release/src/app/hearth', import.meta.url).pathname;

// Rules for the tests: open/** for anyone, private/** for no one, owned/{uid}/** for that
// user, posts as the starter project has them, and a collection group readable by all.
export const TEST_RULES = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /open/{document=**} {
      allow read, write: if true;
    }
    match /private/{document=**} {
      allow read, write: if false;
    }
    match /owned/{uid}/{document=**} {
      allow read, write: if request.auth != null && request.auth.uid == uid;
    }
    match /posts/{postId} {
      allow read: if true;
      allow create: if request.auth != null && request.resource.data.authorId == request.auth.uid;
      allow update, delete: if request.auth != null && resource.data.authorId == request.auth.uid;
    }
    match /{path=**}/group/{id} {
      allow read: if true;
    }
  }
}
`;

// Rate limits high enough for tests that sign up many users from one address.
export const HIGH_RATE_LIMITS = {
  signInPerIpPerMinute: 100000, signInPerAccountPerMinute: 100000, signUpPerIpPerHour: 100000,
  resetPerIpPerHour: 100000, resetPerAccountPerHour: 100000,
};

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function launch(projectDir, dataDir, port, adminToken, env) {
  const child = spawn(HEARTH_BIN, ['serve', projectDir, '--port', String(port), '--data', dataDir],
    { env: { ...process.env, ...env, HEARTH_ADMIN_TOKEN: adminToken }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      running.delete(child);
      reject(new Error(`hearth exited (${code}) before listening:\n${output}`));
    });
    setTimeout(() => reject(new Error(`hearth did not start in 15 s:\n${output}`)), 15000).unref();
  });
  return { child, ready, output: () => output };
}

// options: {rules, hearthJson (merged into the default), env}.
export async function startServer(options = {}) {
  const projectDir = mkdtempSync(join(tmpdir(), 'hearth-sdk-project-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-sdk-data-'));
  const hearthJson = { projectId: 'sdk-test', ...options.hearthJson };
  hearthJson.auth = { rateLimits: HIGH_RATE_LIMITS, ...hearthJson.auth };
  writeFileSync(join(projectDir, 'hearth.json'), JSON.stringify(hearthJson, null, 2));
  writeFileSync(join(projectDir, 'firestore.rules'), options.rules ?? TEST_RULES);
  for (const [name, text] of Object.entries(options.files ?? {})) {
    writeFileSync(join(projectDir, name), text);
  }
  const adminToken = randomBytes(24).toString('hex');
  let process_ = launch(projectDir, dataDir, 0, adminToken, options.env);
  const port = await process_.ready;
  let logBefore = '';

  const stopProcess = async () => {
    const { child } = process_;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timeout = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timeout);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    adminToken,
    projectDir,
    dataDir,
    // Everything the server wrote (all its runs).
    log: () => logBefore + process_.output(),
    async restart({ downMs = 0 } = {}) {
      await stopProcess();
      logBefore += process_.output();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      process_ = launch(projectDir, dataDir, port, adminToken, options.env);
      await process_.ready;
    },
    async kill() {
      await stopProcess();
    },
    async stop() {
      await stopProcess();
      rmSync(projectDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
