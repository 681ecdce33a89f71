// Conformance of the koncert-sf sandbox with jsforce, the Node.js Salesforce
// client: every check uses jsforce's public API as an application would,
// against a sandbox binary started for this run.
//
//   KONCERT_SF_BIN=/path/to/koncert-sf node --test conformance.mjs
//
// Without KONCERT_SF_BIN the debug build of this checkout is used.
//
// jsforce is pinned to 3.10.16, the newest 3.x that runs on Node 18 and 20;
// from 3.10.19 on it needs Node 22 (undici 8).

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import jsforce from 'jsforce';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.KONCERT_SF_BIN
  ? path.resolve(process.env.KONCERT_SF_BIN)
  : path.resolve(HERE, '../../../target/debug/koncert-sf');
const CALLBACK = 'http://localhost:1717/OauthRedirect';

/** The sandbox child process and the first line it printed. */
let child;
let info;

/** Set by the OAuth test, used by the ones after it. */
let oauth2;
let conn;
let tokens;

/** Starts the sandbox and resolves with its `--json` banner. */
function startSandbox() {
  return new Promise((resolve, reject) => {
    child = spawn(BIN, ['sandbox', '--port', '0', '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`sandbox exited early (code ${code}, signal ${signal})`)),
    );
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line));
      } catch (e) {
        reject(new Error(`first line is not JSON: ${line}`));
      }
    });
  });
}

function stopSandbox() {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
  }
}

// Whatever happens, the sandbox must not outlive the run.
process.once('exit', stopSandbox);

before(async () => {
  info = await startSandbox();
});

after(() => {
  stopSandbox();
});

/** A test-only control request (`/__sandbox/...`). */
async function control(method, route, body) {
  const res = await fetch(new URL(route, info.url), {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.equal(res.status, 200, `${method} ${route}: ${await res.clone().text()}`);
  return res.json();
}

/** Decodes the few HTML entities an attribute value can hold. */
function unescapeHtml(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, e) => {
    const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e.toLowerCase()];
    return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/** The attributes of one HTML tag, e.g. `<input type="hidden" ...>`. */
function attributes(tag) {
  const attrs = {};
  for (const m of tag.matchAll(/([a-zA-Z_:-]+)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/g)) {
    attrs[m[1].toLowerCase()] = unescapeHtml(m[3] ?? m[4] ?? m[5]);
  }
  return attrs;
}

/**
 * Reads the login page as a browser would: the form's action and method, its
 * hidden inputs, and the name/value of the submit button labelled `label`.
 */
function parseLoginForm(html, pageUrl, label) {
  const form = html.match(/<form\b[^>]*>([\s\S]*?)<\/form>/i);
  assert.ok(form, 'the authorize page has a form');
  const formAttrs = attributes(form[0].match(/<form\b[^>]*>/i)[0]);
  const fields = new URLSearchParams();
  for (const [tag] of form[1].matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(tag);
    if (a.type === 'hidden' && a.name) fields.append(a.name, a.value ?? '');
  }
  let button;
  for (const m of form[1].matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
    if (m[2].trim() === label) button = attributes(`<button ${m[1]}>`);
  }
  assert.ok(button, `the form has a "${label}" button`);
  if (button.name) fields.append(button.name, button.value ?? '');
  return {
    action: new URL(formAttrs.action ?? '', pageUrl).href,
    method: (formAttrs.method ?? 'get').toUpperCase(),
    fields,
  };
}

/** The later checks use the session of the first; say so when it is missing. */
function loggedIn() {
  assert.ok(conn && tokens, 'needs the session of check 1 (OAuth), which failed');
}

/** SOQL string literal. */
function soqlString(s) {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function reportNamed(name) {
  const report = info.reports.find((r) => r.name === name);
  assert.ok(report, `the sandbox lists a report named ${name}`);
  return report;
}

test('1. OAuth web-server flow with PKCE through jsforce OAuth2', async () => {
  oauth2 = new jsforce.OAuth2({
    loginUrl: info.url,
    clientId: info.client_id,
    redirectUri: CALLBACK,
    useVerifier: true,
  });
  assert.ok(oauth2.codeVerifier, 'jsforce made a PKCE verifier');
  const state = 'conformance-state-1';
  const authorizeUrl = oauth2.getAuthorizationUrl({ scope: 'api refresh_token id web', state });
  assert.match(authorizeUrl, /[?&]code_challenge=/);

  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  const form = parseLoginForm(await page.text(), authorizeUrl, 'Allow');
  form.fields.set('username', info.usernames[0]);

  const answer = await fetch(form.action, {
    method: form.method,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.fields.toString(),
    redirect: 'manual',
  });
  assert.equal(answer.status, 302);
  const location = new URL(answer.headers.get('location'));
  assert.equal(`${location.origin}${location.pathname}`, CALLBACK);
  assert.equal(location.searchParams.get('state'), state);
  const code = location.searchParams.get('code');
  assert.ok(code, `a code in ${location}`);

  conn = new jsforce.Connection({ oauth2 });
  const userInfo = await conn.authorize(code);
  assert.match(userInfo.id, /^005[0-9A-Za-z]{15}$/);
  assert.equal(userInfo.organizationId, info.org_id);
  assert.equal(userInfo.url, `${info.url}/id/${info.org_id}/${userInfo.id}`);
  assert.deepEqual(conn.userInfo, userInfo);
  assert.equal(conn.instanceUrl, info.url);
  assert.ok(conn.accessToken.startsWith(`${info.org_id.slice(0, 15)}!`), conn.accessToken);
  assert.ok(conn.refreshToken, 'a refresh token for the refresh_token scope');
  tokens = {
    accessToken: conn.accessToken,
    refreshToken: conn.refreshToken,
    instanceUrl: conn.instanceUrl,
    userId: userInfo.id,
  };

  // The code is single use.
  await assert.rejects(oauth2.requestToken(code), { name: 'invalid_grant' });
});

test('2. conn.identity()', async () => {
  loggedIn();
  const identity = await conn.identity();
  assert.equal(identity.user_id, tokens.userId);
  assert.equal(identity.organization_id, info.org_id);
  assert.equal(identity.username, info.usernames[0]);
  assert.equal(identity.id, `${info.url}/id/${info.org_id}/${tokens.userId}`);
  assert.equal(typeof identity.urls.rest, 'string');
  assert.equal(conn.userInfo.id, tokens.userId);
  assert.equal(conn.userInfo.organizationId, info.org_id);
});

test('3. describe and describeGlobal', async () => {
  loggedIn();
  const contact = await conn.describe('Contact');
  assert.equal(contact.name, 'Contact');
  assert.equal(contact.keyPrefix, '003');
  const fields = new Map(contact.fields.map((f) => [f.name, f]));
  assert.equal(fields.get('Id')?.type, 'id');
  assert.ok(fields.has('Name'));
  assert.equal(fields.get('AccountId')?.type, 'reference');
  assert.deepEqual(fields.get('AccountId')?.referenceTo, ['Account']);
  assert.equal(fields.get('AccountId')?.relationshipName, 'Account');

  const global = await conn.describeGlobal();
  const names = global.sobjects.map((s) => s.name);
  for (const name of ['Account', 'Contact', 'Lead', 'Task', 'Call_List_Member__c']) {
    assert.ok(names.includes(name), `describeGlobal lists ${name}`);
  }
  assert.equal(typeof global.maxBatchSize, 'number');
  assert.equal(global.sobjects.find((s) => s.name === 'Task').keyPrefix, '00T');
});

test('4. query with autoFetch, and a WHERE on a parent field', async () => {
  loggedIn();
  const all = await conn.query('SELECT Id, Name FROM Contact', { autoFetch: true, maxFetch: 20000 });
  assert.equal(all.totalSize, 12000);
  assert.equal(all.records.length, 12000);
  assert.equal(all.done, true);
  assert.equal(new Set(all.records.map((r) => r.Id)).size, 12000, 'no record twice');
  assert.equal(all.records[0].attributes.type, 'Contact');

  // Without autoFetch jsforce stops at the first batch and keeps the locator.
  const first = await conn.query('SELECT Id FROM Contact');
  assert.equal(first.done, false);
  assert.equal(first.records.length, 2000);
  assert.ok(first.nextRecordsUrl);
  const more = await conn.queryMore(first.nextRecordsUrl);
  assert.equal(more.records.length, 2000);

  const one = await conn.query('SELECT Account.Name FROM Contact WHERE AccountId != null LIMIT 1');
  const accountName = one.records[0].Account.Name;
  const soql = `SELECT Id, Name, Account.Name FROM Contact WHERE Account.Name = ${soqlString(accountName)}`;
  const byAccount = await conn.query(soql);
  assert.ok(byAccount.records.length > 0);
  assert.equal(byAccount.totalSize, byAccount.records.length);
  for (const r of byAccount.records) {
    assert.equal(r.Account.Name, accountName);
    assert.equal(r.Account.attributes.type, 'Account');
  }

  assert.equal(await conn.sobject('Contact').count(), 12000);
  const sorted = await conn.sobject('Contact').find({}, ['Id', 'LastName']).sort({ LastName: 1, Id: 1 }).limit(5).skip(10);
  assert.equal(sorted.length, 5);
  const names = sorted.map((r) => r.LastName);
  assert.deepEqual(names, [...names].sort());

  // The same through jsforce's query builder, which writes the SOQL itself.
  const found = await conn
    .sobject('Contact')
    .find({ 'Account.Name': accountName }, ['Id', 'Account.Name']);
  assert.deepEqual(
    found.map((r) => r.Id).sort(),
    byAccount.records.map((r) => r.Id).sort(),
  );
});

test('5. Task create (sObject Collections), retrieve, update, destroy', async () => {
  loggedIn();
  const contact = (await conn.query('SELECT Id FROM Contact LIMIT 1')).records[0];
  const results = await conn.sobject('Task').create(
    [
      { Subject: 'Call 1', WhoId: contact.Id, TaskSubtype: 'Call', CallType: 'Outbound', Status: 'Completed' },
      { Subject: 'Call 2', WhoId: contact.Id, CallType: 'Sideways' },
      { Subject: 'Call 3', WhoId: contact.Id, CallDurationInSeconds: 42 },
    ],
    { allOrNone: false },
  );
  assert.equal(results.length, 3);
  assert.equal(results[0].success, true);
  assert.match(results[0].id, /^00T/);
  assert.equal(results[2].success, true);
  assert.equal(results[1].success, false);
  assert.ok(!results[1].id);
  const [error] = results[1].errors;
  // jsforce hands the collection's result through: the code is `statusCode`.
  assert.equal(error.statusCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  assert.match(error.message, /Sideways/);
  assert.deepEqual(error.fields, ['CallType']);

  const id = results[0].id;
  const task = await conn.sobject('Task').retrieve(id);
  assert.equal(task.Id, id);
  assert.equal(task.Subject, 'Call 1');
  assert.equal(task.CallType, 'Outbound');
  assert.equal(task.attributes.type, 'Task');

  // An array goes through sObject Collections' retrieve (POST with ids and fields).
  const both = await conn.sobject('Task').retrieve([id, results[2].id, results[2].id.replace(/.{3}$/, 'AAA')]);
  assert.equal(both.length, 3);
  assert.equal(both[0].Id, id);
  assert.equal(both[1].CallDurationInSeconds, 42);
  assert.equal(both[1].Subject, 'Call 3');

  const updated = await conn.sobject('Task').update({ Id: id, Subject: 'Call 1 (edited)' });
  assert.deepEqual(updated, { id, success: true, errors: [] });
  assert.equal((await conn.sobject('Task').retrieve(id)).Subject, 'Call 1 (edited)');

  // A single-record error rejects with `errorCode`.
  await assert.rejects(conn.sobject('Task').update({ Id: id, CallType: 'Sideways' }), {
    errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  });

  // A single record goes to /sobjects/Task and answers 201 with a SaveResult.
  const single = await conn.sobject('Task').create({ Subject: 'Call 4', WhoId: contact.Id });
  assert.equal(single.success, true);
  assert.match(single.id, /^00T/);
  assert.deepEqual(single.errors, []);
  await conn.sobject('Task').destroy(single.id);

  const destroyed = await conn.sobject('Task').destroy(id);
  assert.deepEqual(destroyed, { id, success: true, errors: [] });
  assert.equal((await conn.query(`SELECT Id FROM Task WHERE Id = '${id}'`)).totalSize, 0);
  // jsforce's scanAll goes to queryAll. (The sandbox keeps no recycle bin, so
  // deleted records are not checked there.)
  const scanned = await conn.query(`SELECT Id FROM Task WHERE Id = '${results[2].id}'`, { scanAll: true });
  assert.equal(scanned.totalSize, 1);

  await assert.rejects(conn.sobject('Task').retrieve(id), (err) => {
    assert.ok(['NOT_FOUND', 'ENTITY_IS_DELETED'].includes(err.errorCode), err.errorCode);
    return true;
  });

  // Arrays go through Collections for update and destroy too.
  const other = results[2].id;
  const many = await conn.sobject('Task').update([{ Id: other, Subject: 'Call 3 (edited)' }]);
  assert.deepEqual(many, [{ id: other, success: true, errors: [] }]);
  const gone = await conn.sobject('Task').destroy([other]);
  assert.deepEqual(gone, [{ id: other, success: true, errors: [] }]);
});

test('6. limitInfo from Sforce-Limit-Info agrees with limits()', async () => {
  loggedIn();
  await conn.query('SELECT Id FROM Account LIMIT 1');
  const { used, limit } = conn.limitInfo.apiUsage;
  assert.equal(limit, info.api_limit);
  assert.ok(used > 0);

  const limits = await conn.limits();
  const after = conn.limitInfo.apiUsage;
  assert.equal(after.used, used + 1, 'the limits call counts once');
  assert.equal(limits.DailyApiRequests.Max, after.limit);
  assert.equal(limits.DailyApiRequests.Remaining, after.limit - after.used);
});

test('7. an expired session is refreshed transparently', async () => {
  loggedIn();
  const fresh = new jsforce.Connection({
    oauth2,
    instanceUrl: tokens.instanceUrl,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
  });
  const refreshed = [];
  fresh.on('refresh', (accessToken, res) => refreshed.push({ accessToken, res }));

  await fresh.query('SELECT Id FROM Account LIMIT 1');
  assert.equal(refreshed.length, 0, 'no refresh while the session lives');

  const { expired } = await control('POST', '/__sandbox/expire-sessions');
  assert.ok(expired >= 1);

  const res = await fresh.query('SELECT Id, Name FROM Account LIMIT 5');
  assert.equal(res.records.length, 5);
  assert.equal(refreshed.length, 1);
  assert.notEqual(refreshed[0].accessToken, tokens.accessToken);
  assert.equal(fresh.accessToken, refreshed[0].accessToken);
  assert.equal(refreshed[0].res.instance_url, info.url);
  assert.equal(fresh.refreshToken, tokens.refreshToken, 'no rotation by default');
  assert.equal(fresh.userInfo.id, tokens.userId);

  // The first connection's token died too; it refreshes the same way.
  await conn.query('SELECT Id FROM Account LIMIT 1');
  assert.notEqual(conn.accessToken, tokens.accessToken);
});

test('8. Reports API through conn.analytics', async () => {
  loggedIn();
  const listed = await conn.analytics.reports();
  assert.ok(Array.isArray(listed));
  for (const r of info.reports) {
    const entry = listed.find((l) => l.id === r.id);
    assert.ok(entry, `reports() lists ${r.name}`);
    assert.equal(entry.name, r.name);
  }

  const callList = reportNamed('Contact Call List');
  const report = conn.analytics.report(callList.id);
  const tabular = await report.execute({ details: true });
  assert.equal(tabular.reportMetadata.reportFormat, 'TABULAR');
  assert.equal(tabular.reportMetadata.id, callList.id);
  assert.equal(tabular.hasDetailRows, true);
  assert.equal(tabular.factMap['T!T'].rows.length, callList.rows);
  assert.equal(
    tabular.factMap['T!T'].rows[0].dataCells.length,
    tabular.reportMetadata.detailColumns.length,
  );

  const summaryOnly = await report.execute();
  assert.equal(summaryOnly.hasDetailRows, false);
  assert.equal(summaryOnly.factMap['T!T'].rows, undefined);

  // Filters overridden for one run, as jsforce posts them.
  const titleColumn = tabular.reportMetadata.detailColumns.indexOf('TITLE');
  const filtered = await report.execute({
    details: true,
    metadata: {
      reportMetadata: {
        reportFilters: [
          ...tabular.reportMetadata.reportFilters,
          { column: 'TITLE', operator: 'contains', value: 'Lead' },
        ],
      },
    },
  });
  const filteredRows = filtered.factMap['T!T'].rows;
  assert.ok(filteredRows.length > 0 && filteredRows.length < callList.rows, `${filteredRows.length} rows`);
  for (const row of filteredRows) {
    assert.match(row.dataCells[titleColumn].label, /lead/i);
  }

  const summaryInfo = info.reports.find((r) => r.format === 'SUMMARY' && r.rows <= 2000);
  const summary = await conn.analytics.report(summaryInfo.id).execute({ details: true });
  assert.equal(summary.reportMetadata.reportFormat, 'SUMMARY');
  const leafRows = Object.entries(summary.factMap)
    .filter(([key]) => key !== 'T!T')
    .reduce((n, [, fact]) => n + (fact.rows?.length ?? 0), 0);
  assert.ok(leafRows > 0, 'the grouped fact map keys hold rows');
  assert.ok(summary.groupingsDown.groupings.length > 0);

  const described = await report.describe();
  assert.equal(described.reportMetadata.id, callList.id);
  assert.ok(described.reportExtendedMetadata.detailColumnInfo);
  assert.ok(described.reportTypeMetadata);

  const instance = await report.executeAsync({ details: true });
  assert.match(instance.id, /^0LG/);
  assert.ok(['New', 'Running', 'Success'].includes(instance.status), instance.status);
  let result;
  for (let i = 0; i < 100; i++) {
    result = await report.instance(instance.id).retrieve();
    if (['Success', 'Error'].includes(result.attributes.status)) break;
    await sleep(100);
  }
  assert.equal(result.attributes.status, 'Success');
  assert.equal(result.attributes.id, instance.id);
  assert.equal(result.factMap['T!T'].rows.length, callList.rows);

  const second = await report.executeAsync();
  assert.notEqual(second.id, instance.id);
  const instances = await report.instances();
  assert.ok(instances.some((i) => i.id === instance.id));
  assert.ok(instances.some((i) => i.id === second.id));
});

test('9. revokeToken, then refresh fails with invalid_grant', async () => {
  loggedIn();
  await oauth2.revokeToken(tokens.refreshToken);
  await assert.rejects(oauth2.refreshToken(tokens.refreshToken), (err) => {
    assert.equal(err.name, 'invalid_grant');
    assert.equal(err.message, 'expired access/refresh token');
    return true;
  });

  // The connection's access tokens died with the grant, and its refresh fails.
  await assert.rejects(conn.query('SELECT Id FROM Account LIMIT 1'), /Unable to refresh session due to: expired access\/refresh token/);

  await assert.rejects(oauth2.revokeToken('not-a-token'), (err) => {
    assert.equal(err.name, 'invalid_token');
    assert.ok(err.message.length > 0);
    return true;
  });
});

test('9b. logout revokes the access token', async () => {
  loggedIn();
  const minted = await control('POST', '/__sandbox/sessions', { username: info.usernames[0] });
  const session = new jsforce.Connection({ oauth2, instanceUrl: minted.instance_url, accessToken: minted.access_token });
  await session.query('SELECT Id FROM Account LIMIT 1');
  await session.logout();
  assert.equal(session.accessToken, null);
  const stale = new jsforce.Connection({ instanceUrl: minted.instance_url, accessToken: minted.access_token });
  await assert.rejects(stale.query('SELECT Id FROM Account LIMIT 1'), { errorCode: 'INVALID_SESSION_ID' });
  // Its refresh token outlives it.
  const refreshed = await oauth2.refreshToken(minted.refresh_token);
  assert.ok(refreshed.access_token);
});

test('10. error shapes: INVALID_FIELD and INVALID_SESSION_ID', async () => {
  const minted = await control('POST', '/__sandbox/sessions', { username: info.usernames[0] });
  const live = new jsforce.Connection({ instanceUrl: minted.instance_url, accessToken: minted.access_token });

  await assert.rejects(live.query('SELECT Id, NoSuchField__c FROM Contact'), (err) => {
    assert.equal(err.errorCode, 'INVALID_FIELD');
    assert.equal(err.name, 'INVALID_FIELD');
    assert.match(err.message, /No such column 'NoSuchField__c' on entity 'Contact'/);
    return true;
  });

  // Without an identity URL at hand jsforce finds it in the version's resources.
  const identity = await live.identity();
  assert.equal(identity.username, info.usernames[0]);
  assert.equal(live.userInfo.url, minted.id);

  await assert.rejects(live.query('SELEC Id FROM Contact'), { errorCode: 'MALFORMED_QUERY' });
  await assert.rejects(live.sobject('Task').retrieve('00T000000000000AAA'), { errorCode: 'NOT_FOUND' });

  const bad = new jsforce.Connection({ instanceUrl: info.url, accessToken: `${info.org_id.slice(0, 15)}!garbage` });
  await assert.rejects(bad.query('SELECT Id FROM Contact'), (err) => {
    assert.equal(err.errorCode, 'INVALID_SESSION_ID');
    assert.equal(err.message, 'Session expired or invalid');
    return true;
  });
});

test('11. what koncert-sf push relies on: custom field limits, row locks, CallObject lookups', async () => {
  const minted = await control('POST', '/__sandbox/sessions', { username: info.usernames[0] });
  const live = new jsforce.Connection({ instanceUrl: minted.instance_url, accessToken: minted.access_token });

  const described = await live.sobject('Task').describe();
  const campaign = described.fields.find((f) => f.name === 'Call_Campaign__c');
  assert.equal(campaign.length, 80);
  assert.equal(campaign.custom, true);
  assert.equal(campaign.createable, true);

  const contact = (await live.query('SELECT Id FROM Contact LIMIT 1')).records[0];
  const key = `call-${Date.now()}`;
  const call = (suffix, extra) => ({
    Subject: 'Call: Busy', WhoId: contact.Id, TaskSubtype: 'Call', CallObject: `${key}${suffix}`, ...extra,
  });

  // One transient lock, one over-long custom value, one good record.
  await control('POST', '/__sandbox/faults', { lock_rows_next: 1 });
  const results = await live.sobject('Task').create(
    [call('', {}), call(':follow-up', { Call_Campaign__c: 'x'.repeat(81) }), call(':second', {})],
    { allOrNone: false },
  );
  await control('POST', '/__sandbox/faults', {});
  assert.equal(results[0].success, false);
  assert.equal(results[0].errors[0].statusCode, 'UNABLE_TO_LOCK_ROW');
  assert.equal(results[1].success, false);
  assert.equal(results[1].errors[0].statusCode, 'STRING_TOO_LONG');
  assert.deepEqual(results[1].errors[0].fields, ['Call_Campaign__c']);
  assert.equal(results[2].success, true);

  // The retry of the locked record goes through, and the lookup by CallObject
  // (a colon inside a literal) finds exactly the Tasks that exist.
  const retried = await live.sobject('Task').create([call('', {})], { allOrNone: false });
  assert.equal(retried[0].success, true);
  const keys = [key, `${key}:follow-up`, `${key}:second`].map(soqlString).join(',');
  const found = await live.query(`SELECT Id, CallObject FROM Task WHERE CallObject IN (${keys})`);
  const byKey = Object.fromEntries(found.records.map((r) => [r.CallObject, r.Id]));
  assert.deepEqual(Object.keys(byKey).sort(), [key, `${key}:second`].sort());
  assert.equal(byKey[key], retried[0].id);
  assert.equal(byKey[`${key}:second`], results[2].id);
});
