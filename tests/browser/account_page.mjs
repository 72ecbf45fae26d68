// The account page in a real browser (issue 13): Debian's chromium, headless, driven by
// playwright-core, against the real `vestibule serve` on a free loopback port with a fresh SQLite
// store and a real SMTP server (tests/support/smtp_server.py). It clicks through the whole flow as
// a person would, finding everything by what a person perceives (roles, labels, headings, the
// words of the messages): sign up; the verification link from the delivered mail, in a new tab;
// sign in with the keyboard alone; edit the name; change the password (the other tab's session
// ends); sign out everywhere; forgot password, the link from the mail, a new password, sign in;
// delete the account.
// On every view it runs axe-core and fails on a serious or critical violation; all along it fails
// on a console error, an uncaught exception, a Content-Security-Policy violation, a request to
// another origin, an HTTP error the step did not expect, a token in localStorage, a cookie,
// IndexedDB, the Cache API or the address bar, and a token or link in the server's log.
// Screenshots of each step (step-NN-*.png), the axe reports and the server's log go to ARTEFACTS.
//
// Usage: node account_page.mjs VESTIBULE_BINARY SMTP_SERVER_PY NODE_MODULES ARTEFACTS
// Exit: 0 passed, 1 failed (with the reason), 77 skipped (node, node_modules, chromium or
// aiosmtpd missing: scripts/install-browser.sh BUILD_DIR installs them).
// Every wait has a deadline, and the whole run one more (DEADLINE_MS); children are always
// stopped (SIGTERM, then SIGKILL), and die with this process if it is killed (processes.mjs).
// Beside it: processes.mjs (the children), mail.mjs (the SMTP sink, MIME), page_checks.mjs
// (views, messages, focus, storage, axe, what the browser must not do).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { check, TestFailure } from './check.mjs';
import { linkFrom, SmtpSink } from './mail.mjs';
import { focused, message, PageChecks, view } from './page_checks.mjs';
import { children, startServer, stopChild } from './processes.mjs';

const DEADLINE_MS = 240_000;     // the whole run (CTest's TIMEOUT is 300 s)
const STEP_TIMEOUT_MS = 15_000;  // one Playwright action or wait
const CHROMIUM = '/usr/bin/chromium';
// The network of the machines this runs on is closed: nothing that phones home.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// ---- skipping --------------------------------------------------------------------------------

function skip(reason, hint = 'run scripts/install-browser.sh BUILD_DIR') {
  console.log(`browser test SKIPPED: ${reason} (${hint})`);
  process.exit(77);
}

const [binary, smtpScript, nodeModules, artefacts] = process.argv.slice(2);
if (!artefacts) {
  console.error('usage: node account_page.mjs VESTIBULE_BINARY SMTP_SERVER_PY NODE_MODULES ARTEFACTS');
  process.exit(1);
}
if (Number(process.versions.node.split('.')[0]) < 20) skip(`Node.js ${process.version} < 20 (playwright-core needs 20)`);
for (const pkg of ['playwright-core', 'axe-core']) {
  if (!fs.existsSync(path.join(nodeModules, pkg, 'package.json'))) skip(`${pkg} not in ${nodeModules}`);
}
try {
  fs.accessSync(CHROMIUM, fs.constants.X_OK);
} catch {
  skip(`${CHROMIUM} missing (Debian's chromium)`);
}
if (spawnSync('/usr/bin/python3', ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status !== 0) {
  skip('/usr/bin/python3 cannot import aiosmtpd', "Debian's python3-aiosmtpd: run scripts/setup.sh --test");
}
if (spawnSync('/usr/bin/oathtool', ['--version'], { stdio: 'ignore' }).status !== 0) {
  skip('/usr/bin/oathtool missing', "Debian's oathtool: run scripts/setup.sh --test");
}
const require = createRequire(path.join(path.resolve(nodeModules), '..', 'package.json'));
const { chromium } = require('playwright-core');
const checks = new PageChecks(fs.readFileSync(path.join(nodeModules, 'axe-core', 'axe.min.js'), 'utf8'));

// ---- the flow --------------------------------------------------------------------------------

let stepNumber = 0;
// Ends a step: its screenshot, then the check that nothing went wrong meanwhile.
async function step(page, slug, description) {
  const n = stepNumber + 1;
  const file = path.join(artefacts, `step-${String(n).padStart(2, '0')}-${slug}.png`);
  await page.screenshot({ path: file, fullPage: true });
  checks.noProblems(`step ${n} (${description})`);
  stepNumber = n;
  console.log(`ok ${n} - ${description}`);
}

// Runs `action`, which must make the page POST the link token `token` to `pathname` in its JSON
// body (the only place it goes).
async function sentInBody(page, pathname, token, action) {
  const [request] = await Promise.all([
    page.waitForRequest((r) => new URL(r.url()).pathname === pathname),
    action(),
  ]);
  check(request.method() === 'POST' && request.postDataJSON()?.token === token,
    `${pathname}: expected a POST with the link's token in its body, got ${request.method()} ${request.postData()}`);
  check(!request.url().includes(token) && !Object.values(request.headers()).some((v) => v.includes(token)),
    `${pathname}: the link's token is in the URL or a header`);
}

// The TOTP code of `secret` (base32) `offset` steps from now, made by an independent tool, Debian's
// oathtool, as an authenticator app would.
function totpCode(secret, offset) {
  const at = Math.floor(Date.now() / 1000) + offset * 30;
  const run = spawnSync('/usr/bin/oathtool', ['--totp', '-b', secret, '--now', `@${at}`], { encoding: 'utf8' });
  const code = (run.stdout || '').trim();
  check(run.status === 0 && /^[0-9]{6}$/.test(code), `oathtool failed: ${run.stderr}`);
  return code;
}

async function signInWithMouse(page, email, password) {
  const signIn = await view(page, 'Sign in');
  await signIn.getByLabel('Email', { exact: true }).fill(email);
  await signIn.getByLabel('Password', { exact: true }).fill(password);
  await signIn.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function flow(browser, publicUrl, smtp) {
  const email = 'ann.example@example.com';
  const passwords = ['correct horse battery staple 1', 'tangerine submarine orchestra 2', 'velvet lantern meadow river 3'];
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'en-US' });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  await checks.watch(context, publicUrl);

  // The first tab: sign up.
  const first = await context.newPage();
  const response = await first.goto(`${publicUrl}/`);
  check(response.status() === 200, `GET / answered ${response.status()}`);
  check((response.headers()['content-security-policy'] || '').includes("script-src 'self'"),
    `GET / has no strict Content-Security-Policy: ${response.headers()['content-security-policy']}`);
  await view(first, 'Sign in');
  await checks.storage(first, { signedIn: false });
  await checks.accessibility(first, 'Sign in');
  await step(first, 'sign-in', 'the page opens on "Sign in"');

  await (await view(first, 'Sign in')).getByRole('button', { name: 'Sign up', exact: true }).click();
  const signUp = await view(first, 'Sign up');
  await checks.accessibility(first, 'Sign up');
  await signUp.getByLabel('Name', { exact: true }).fill('Ann Example');
  await signUp.getByLabel('Email', { exact: true }).fill(email);
  await signUp.getByLabel('Password', { exact: true }).fill(passwords[0]);
  await step(first, 'sign-up', 'the sign-up form, filled in');
  await signUp.getByRole('button', { name: 'Sign up', exact: true }).click();
  await message(first, `Account created. We sent a link to ${email} to verify your address.`);
  let account = await view(first, 'Your account');
  check(await first.locator('#profile-name').textContent() === 'Ann Example', 'the account view shows another name');
  check(await first.locator('#profile-email').textContent() === email, 'the account view shows another email');
  check(await first.locator('#profile-verified').textContent() === 'Not verified', 'a new account is not shown "Not verified"');
  await account.getByRole('button', { name: 'Resend verification email' }).waitFor({ state: 'visible' });
  await checks.storage(first, { signedIn: true });
  await checks.accessibility(first, 'Your account (not verified)');
  await step(first, 'signed-up', 'signed up: the account view, not verified');

  // The verification link from the delivered mail, opened in a new tab as from a mail program.
  const verification = await smtp.take((m) => m.rcpt === email && m.mail.links.some((l) => l.includes('/verify-email#')),
    `verification mail to ${email}`);
  const verify = linkFrom(verification, publicUrl, 'verify-email');
  checks.linkTokens.add(verify.token);
  const second = await context.newPage();
  await sentInBody(second, '/v1/email-verifications', verify.token, () => second.goto(verify.link));
  await view(second, 'Verify your email');
  await message(second, 'Your email address is verified.');
  check(second.url() === `${publicUrl}/verify-email`, `after the link the address bar shows ${second.url()}`);
  await checks.storage(second, { signedIn: false });
  await checks.accessibility(second, 'Verify your email (verified)');
  await step(second, 'verified', 'the link from the mail verifies the address; the fragment is gone');

  // The same link again, in the first tab (signed in): refused; "Continue" leads to the account.
  await first.bringToFront();
  await checks.expectHttpError(first, 'POST', '/v1/email-verifications', 400, () => first.goto(verify.link));
  await view(first, 'Verify your email');
  await message(first, 'This link is invalid or has expired.', { error: true });
  check(first.url() === `${publicUrl}/verify-email`, `after the used link the address bar shows ${first.url()}`);
  await checks.accessibility(first, 'Verify your email (used link)');
  await step(first, 'link-used', 'the used link again: "This link is invalid or has expired."');
  await first.getByRole('button', { name: 'Continue', exact: true }).click();
  await view(first, 'Your account');
  check(await first.locator('#profile-verified').textContent() === 'Verified', 'the first tab does not show "Verified"');
  await checks.storage(first, { signedIn: true });
  await step(first, 'continue-signed-in', '"Continue" in a signed-in tab: the account view, verified');

  // Sign in in the second tab with the keyboard alone: Tab to Continue, Enter, Tab, type, Enter.
  await second.bringToFront();
  await second.keyboard.press('Tab');
  const next = second.getByRole('button', { name: 'Continue', exact: true });
  await focused(next, 'the Continue button');
  await second.keyboard.press('Enter');
  const signIn = await view(second, 'Sign in');
  await second.keyboard.press('Tab');
  await focused(signIn.getByLabel('Email', { exact: true }), 'the Email input');
  await second.keyboard.type(email);
  await second.keyboard.press('Tab');
  await focused(signIn.getByLabel('Password', { exact: true }), 'the Password input');
  await second.keyboard.type(passwords[0]);
  await step(second, 'keyboard-sign-in', 'the sign-in form, filled in with the keyboard');
  await second.keyboard.press('Enter');
  await message(second, `Signed in as ${email}.`);
  account = await view(second, 'Your account');
  check(await second.locator('#profile-verified').textContent() === 'Verified', 'after the link the account is not shown "Verified"');
  check(!(await account.getByRole('button', { name: 'Resend verification email' }).isVisible()),
    '"Resend verification email" is still shown for a verified address');
  const sessions = second.locator('#sessions > li');
  check(await sessions.count() === 2, `two sessions (one per tab) expected, the list has ${await sessions.count()}`);
  check(await sessions.filter({ hasText: 'This device' }).count() === 1, 'not exactly one session marked "This device"');
  await checks.storage(second, { signedIn: true });
  await checks.accessibility(second, 'Your account (verified)');
  await step(second, 'signed-in', 'signed in with the keyboard: verified, two sessions');

  // Edit the name.
  const nameForm = account.getByRole('form', { name: 'Name' });
  await nameForm.getByLabel('Name', { exact: true }).fill('Ann Lovelace');
  await nameForm.getByRole('button', { name: 'Save', exact: true }).click();
  await message(second, 'Saved.');
  check(await second.locator('#profile-name').textContent() === 'Ann Lovelace', 'the name shown did not change');
  await step(second, 'name-saved', 'the name is saved');

  // A wrong current password first, then the password change.
  const passwordForm = account.getByRole('form', { name: 'Password' });
  await passwordForm.getByLabel('Current password', { exact: true }).fill('not the password at all');
  await passwordForm.getByLabel('New password', { exact: true }).fill(passwords[1]);
  await checks.expectHttpError(second, 'PATCH', '/v1/users/me', 403,
    () => passwordForm.getByRole('button', { name: 'Save', exact: true }).click());
  await message(second, 'The password is wrong.', { error: true });
  const current = passwordForm.getByLabel('Current password', { exact: true });
  check(await current.getAttribute('aria-invalid') === 'true', 'the wrong current password is not marked aria-invalid');
  const describedBy = (await current.getAttribute('aria-describedby') || '').split(/\s+/);
  const fieldError = second.locator('p.field-error');
  check(await fieldError.count() === 1, `one field error expected, ${await fieldError.count()} shown`);
  check(describedBy.includes(await fieldError.getAttribute('id')), 'the field error does not describe its input');
  await checks.accessibility(second, 'Your account (a field error)');
  await step(second, 'password-wrong', 'a wrong current password: marked next to its field');
  await passwordForm.getByLabel('Current password', { exact: true }).fill(passwords[0]);
  await passwordForm.getByLabel('New password', { exact: true }).fill(passwords[1]);
  await passwordForm.getByRole('button', { name: 'Save', exact: true }).click();
  await message(second, 'Your password is changed. Your other sessions are signed out.');
  check(await second.locator('p.field-error').count() === 0, 'the field error stays after the success');
  await sessions.first().waitFor();
  check(await sessions.count() === 1, `after the password change one session expected, the list has ${await sessions.count()}`);
  await step(second, 'password-changed', 'the password is changed; the list has this session only');

  // The first tab's session ended with the change (opening the page again finds it so).
  await first.bringToFront();
  await checks.expectHttpError(first, 'GET', '/v1/users/me', 401, () => first.goto(`${publicUrl}/`));
  await view(first, 'Sign in');
  await message(first, 'Your session has ended. Sign in again.', { error: true });
  await checks.storage(first, { signedIn: false });
  await step(first, 'other-tab-ended', 'the other tab: its session has ended');
  await signInWithMouse(first, email, passwords[1]);
  await message(first, `Signed in as ${email}.`);
  await view(first, 'Your account');
  await step(first, 'other-tab-signed-in', 'the other tab signs in with the new password');
  await first.locator('#sign-out').click();
  await message(first, 'You are signed out.');
  await view(first, 'Sign in');
  await checks.storage(first, { signedIn: false });
  await step(first, 'signed-out', 'the other tab signs out (this session)');
  await signInWithMouse(first, email, passwords[1]);
  await message(first, `Signed in as ${email}.`);
  await view(first, 'Your account');

  // Sign out everywhere from the second tab: the first one is signed out too.
  await second.bringToFront();
  await second.locator('#sign-out-everywhere').click();
  await message(second, 'You are signed out everywhere.');
  await view(second, 'Sign in');
  await checks.storage(second, { signedIn: false });
  await step(second, 'signed-out-everywhere', 'signed out everywhere');
  await first.bringToFront();
  await checks.expectHttpError(first, 'GET', '/v1/users/me', 401, () => first.goto(`${publicUrl}/`));
  await message(first, 'Your session has ended. Sign in again.', { error: true });
  await checks.storage(first, { signedIn: false });
  await step(first, 'everywhere-other-tab', 'the other tab is signed out too');
  await first.close();

  // Forgot password → the link from the mail → a new password → sign in.
  await second.bringToFront();
  await (await view(second, 'Sign in')).getByRole('button', { name: 'Forgot password?', exact: true }).click();
  const forgot = await view(second, 'Reset your password');
  await checks.accessibility(second, 'Reset your password');
  await forgot.getByLabel('Email', { exact: true }).fill(email);
  await forgot.getByRole('button', { name: 'Send reset link', exact: true }).click();
  await message(second, `If an account uses ${email}, we sent it a link to reset the password.`);
  await step(second, 'reset-asked', 'a reset link is asked for');
  const resetMail = await smtp.take((m) => m.rcpt === email && m.mail.links.some((l) => l.includes('/reset-password#')),
    `password reset mail to ${email}`);
  const reset = linkFrom(resetMail, publicUrl, 'reset-password');
  checks.linkTokens.add(reset.token);
  await second.goto(reset.link);
  const choose = await view(second, 'Choose a new password');
  check(second.url() === `${publicUrl}/reset-password`, `after the reset link the address bar shows ${second.url()}`);
  await checks.storage(second, { signedIn: false });
  await checks.accessibility(second, 'Choose a new password');
  await choose.getByLabel('New password', { exact: true }).fill(passwords[2]);
  await step(second, 'reset-link', 'the link from the mail: "Choose a new password", the fragment gone');
  await sentInBody(second, '/v1/password-resets/confirm', reset.token,
    () => choose.getByRole('button', { name: 'Save new password', exact: true }).click());
  await message(second, 'Your password is changed. Sign in with the new one.');
  await view(second, 'Sign in');
  await step(second, 'reset-done', 'the new password is saved');
  await checks.expectHttpError(second, 'POST', '/v1/sessions', 401, () => signInWithMouse(second, email, passwords[1]));
  await message(second, 'The email or password is wrong.', { error: true });
  await checks.accessibility(second, 'Sign in (an error)');
  await step(second, 'old-password-refused', 'the password from before the reset is refused');
  await signInWithMouse(second, email, passwords[2]);
  await message(second, `Signed in as ${email}.`);
  account = await view(second, 'Your account');
  await checks.storage(second, { signedIn: true });
  await step(second, 'signed-in-again', 'signed in with the new password');

  // Two-step verification: on with a code from the key the page shows, then a sign-in in two steps.
  const totp = account.getByRole('region', { name: 'Two-step verification' });
  const turnOn = totp.getByRole('form', { name: 'Turn on two-step verification' });
  await turnOn.getByLabel('Current password', { exact: true }).fill(passwords[2]);
  await turnOn.getByRole('button', { name: 'Turn on', exact: true }).click();
  await message(second, 'Add the key to your authenticator app, then enter the code it shows.');
  const secret = (await totp.locator('#totp-secret').textContent()).replace(/\s/g, '');
  check(/^[A-Z2-7]{32}$/.test(secret), `the key shown is not base32: "${secret}"`);
  const link = await totp.locator('#totp-uri').getAttribute('href');
  check(link.startsWith('otpauth://totp/') && link.includes(`secret=${secret}`), `the app link is wrong: ${link}`);
  const confirmForm = totp.getByRole('form', { name: 'Add Vestibule to your authenticator app' });
  await confirmForm.getByLabel('Code from the app', { exact: true }).fill(totpCode(secret, 0));
  await checks.accessibility(second, 'Your account (adding the authenticator)');
  await step(second, 'totp-key', 'two-step verification: the key and the code from the app');
  await confirmForm.getByRole('button', { name: 'Confirm', exact: true }).click();
  await message(second, 'Two-step verification is on. Save your recovery codes now.');
  const recoveryCodes = await totp.locator('#recovery-codes li').allTextContents();
  check(recoveryCodes.length === 10 && recoveryCodes.every((c) => /^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/.test(c)),
    `expected ten recovery codes, got ${JSON.stringify(recoveryCodes)}`);
  await step(second, 'totp-on', 'two-step verification is on: ten recovery codes shown once');
  await second.locator('#sign-out').click();
  await message(second, 'You are signed out.');
  await signInWithMouse(second, email, passwords[2]);
  await message(second, 'Enter the code from your authenticator app.');
  const mfa = await view(second, 'Two-step verification');
  await checks.accessibility(second, 'Two-step verification');
  await checks.storage(second, { signedIn: false });
  await mfa.getByLabel('Code', { exact: true }).fill(totpCode(secret, 1));
  await step(second, 'totp-code', 'signing in: the second step asks for a code');
  await mfa.getByRole('button', { name: 'Verify', exact: true }).click();
  await message(second, `Signed in as ${email}.`);
  account = await view(second, 'Your account');
  await checks.storage(second, { signedIn: true });
  await step(second, 'signed-in-with-code', 'signed in with the code from the authenticator');

  // Delete the account.
  const deleteForm = account.getByRole('form', { name: 'Delete account' });
  await deleteForm.getByLabel('Password', { exact: true }).fill(passwords[2]);
  await deleteForm.getByLabel('I understand that this deletes my account and cannot be undone', { exact: true }).check();
  await step(second, 'delete', 'the delete form, filled in');
  await deleteForm.getByRole('button', { name: 'Delete account', exact: true }).click();
  await message(second, 'Your account is deleted.');
  await view(second, 'Sign in');
  await checks.storage(second, { signedIn: false });
  await step(second, 'deleted', 'the account is deleted');
  await checks.expectHttpError(second, 'POST', '/v1/sessions', 401, () => signInWithMouse(second, email, passwords[2]));
  await message(second, 'The email or password is wrong.', { error: true });
  await step(second, 'deleted-sign-in-refused', 'signing in to the deleted account is refused');
  await context.close();
  checks.noProblems('at the end');
}

// ---- main ------------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(artefacts, { recursive: true });
  for (const f of fs.readdirSync(artefacts)) {
    if (/^(step|failure)-\d+.*\.png$|^axe\.json$|^server\.log$/.test(f)) fs.rmSync(path.join(artefacts, f));
  }
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'vestibule-browser-'));
  let server = null;
  let browser = null;
  let failed = null;
  const stop = async () => {
    if (browser) await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000).unref())]);
    await Promise.all([...children].map(stopChild));
    if (server) fs.writeFileSync(path.join(artefacts, 'server.log'), `${server.child.output.join('\n')}\n`);
    fs.writeFileSync(path.join(artefacts, 'axe.json'), `${JSON.stringify(checks.axeReports, null, 2)}\n`);
    fs.rmSync(temp, { recursive: true, force: true });
  };
  // Past the deadline, or stopped: the children get SIGTERM, then SIGKILL (stopChild), and
  // Playwright kills its browser as this process exits.
  const abandon = (why) => {
    console.error(`FAILED: ${why} (after ${stepNumber} passed steps)`);
    Promise.all([...children].map(stopChild)).finally(() => process.exit(1));
  };
  const deadline = setTimeout(() => abandon(`the run passed its deadline of ${DEADLINE_MS / 1000} s`), DEADLINE_MS);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => abandon(`stopped by ${signal}`));
  try {
    fs.mkdirSync(path.join(temp, 'mail'));
    const smtp = await SmtpSink.start(smtpScript, path.join(temp, 'mail'));
    server = await startServer(binary, temp, smtp.port);
    console.log(`vestibule at ${server.publicUrl}, SMTP on ${smtp.port}, chromium ${CHROMIUM}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
    console.log(`browser: ${browser.version()}`);
    await flow(browser, server.publicUrl, smtp);
    // No token or link in the server's log (the fragment never reaches the server).
    const log = server.child.output.join('\n');
    for (const secret of checks.secrets()) check(!log.includes(secret), 'a token is in the server\'s log');
    const errors = server.child.output.filter((l) => l.includes('level=error'));
    check(errors.length === 0, `the server logged errors:\n  ${errors.join('\n  ')}`);
  } catch (error) {
    failed = error;
    // What every open tab showed when it failed: failure-1.png, failure-2.png...
    const pages = browser ? browser.contexts().flatMap((c) => c.pages()) : [];
    for (const [i, page] of pages.entries()) {
      await page.screenshot({ path: path.join(artefacts, `failure-${i + 1}.png`), fullPage: true, timeout: 5000 }).catch(() => {});
    }
  }
  await stop();
  clearTimeout(deadline);
  if (failed) {
    console.error(`FAILED after ${stepNumber} passed steps: ${failed instanceof TestFailure ? failed.message : failed.stack || failed}`);
    if (server) console.error(`server log (last lines):\n  ${server.child.output.slice(-15).join('\n  ')}`);
    console.error(`screenshots and server.log in ${artefacts}`);
    process.exit(1);
  }
  console.log(`PASSED: ${stepNumber} steps, axe on ${checks.axeReports.length} views; screenshots in ${artefacts}`);
  process.exit(0);
}

main();
