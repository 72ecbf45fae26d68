// What the browser test checks on the account page besides its flow: which view shows, the
// message area and the focus, where tokens are kept, axe-core, and what the browser must never do
// (a console error, an uncaught exception, a Content-Security-Policy violation, a request to
// another origin, an HTTP error no step expected). Views are found by their <h1>, the message
// area is #message (role status), the session token is sessionStorage's vestibule.token.
import { check, TestFailure } from './check.mjs';

const TOKEN_KEY = 'vestibule.token';

// The view whose <h1> is `heading`: visible, and the only visible view.
export async function view(page, heading) {
  const h1 = page.getByRole('heading', { level: 1, name: heading, exact: true });
  await h1.waitFor({ state: 'visible' });
  const visible = await page.evaluate(() => [...document.querySelectorAll('main section')]
    .filter((s) => !s.hidden && s.querySelector('h1') && s.checkVisibility())
    .map((s) => s.querySelector('h1').textContent));
  check(visible.length === 1 && visible[0] === heading, `expected only the view "${heading}", visible: ${JSON.stringify(visible)}`);
  return page.locator('section').filter({ has: h1 });
}

// Waits for the message area to say exactly `text` (an error or not), with the focus on it.
export async function message(page, text, { error = false } = {}) {
  const box = page.locator('#message');
  try {
    await box.filter({ hasText: text }).waitFor({ state: 'visible' });
  } catch {
    const now = await box.evaluate((e) => `${e.hidden ? '(hidden) ' : ''}"${e.textContent}"`).catch(() => '?');
    throw new TestFailure(`expected the message "${text}", the message area shows ${now}`);
  }
  const state = await page.evaluate(() => {
    const m = document.getElementById('message');
    const e = document.activeElement;
    return { text: m.textContent.trim(), error: m.classList.contains('error'), role: m.getAttribute('role'),
      focused: e && e.id ? `#${e.id}` : (e ? e.tagName.toLowerCase() : 'nothing') };
  });
  check(state.text === text, `expected the message "${text}", got "${state.text}"`);
  check(state.error === error, `message "${text}": class error is ${state.error}, expected ${error}`);
  check(state.role === 'status', `#message has role ${state.role}, not status`);
  check(state.focused === '#message', `after "${text}" the focus is on ${state.focused}, not #message`);
}

// The element `locator` finds has the keyboard focus.
export async function focused(locator, what) {
  const yes = await locator.evaluate((e) => e === document.activeElement);
  const now = await locator.page().evaluate(() => {
    const e = document.activeElement;
    return e ? `${e.tagName.toLowerCase()}#${e.id} "${(e.textContent || '').trim().slice(0, 40)}"` : 'nothing';
  });
  check(yes, `expected the focus on ${what}, it is on ${now}`);
}

// What one browser context did, collected by its events and judged by noProblems(); the tokens
// seen; the axe reports. One per run.
export class PageChecks {
  constructor(axeSource) {
    this.axeSource = axeSource;
    this.linkTokens = new Set();     // from the mails
    this.sessionTokens = new Set();  // from sessionStorage
    this.axeReports = [];            // {view, violations}, every impact
    this.problems = [];              // console errors, page errors, CSP violations, foreign requests
    this.httpErrors = [];            // every response >= 400, as "METHOD /path status"
    this.expectedErrors = [];        // those a step expected, alike
  }

  secrets() {
    return [...this.linkTokens, ...this.sessionTokens];
  }

  async watch(context, origin) {
    context.on('console', (msg) => {
      if (msg.type() !== 'error' && msg.type() !== 'warning') return;
      const { url } = msg.location();
      // Chromium logs every HTTP error answer to a fetch; those are judged by status instead.
      if (/^Failed to load resource: the server responded with a status of \d+/.test(msg.text())
          && url.startsWith(`${origin}/v1/`)) return;
      this.problems.push(`console ${msg.type()}: ${msg.text()} (${url})`);
    });
    context.on('weberror', (e) => this.problems.push(`uncaught in the page: ${e.error().stack || e.error()}`));
    context.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${origin}/`) && url !== 'about:blank') {
        this.problems.push(`request to another origin: ${request.method()} ${url}`);
      }
    });
    context.on('response', (response) => {
      if (response.status() < 400) return;
      const { pathname } = new URL(response.url());
      this.httpErrors.push(`${response.request().method()} ${pathname} ${response.status()}`);
    });
    // Chromium also prints policy violations to the console; the page's own event says it too.
    await context.exposeBinding('__vestibuleTestCspViolation', (_, v) => this.problems.push(`CSP violation: ${v}`));
    await context.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => {
      window.__vestibuleTestCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    }));
  }

  // Runs `action`, which must cause exactly the answer `status` to `method pathname` (a refusal
  // the step means to see).
  async expectHttpError(page, method, pathname, status, action) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === pathname),
      action(),
    ]);
    check(response.status() === status, `${method} ${pathname}: expected ${status}, got ${response.status()}`);
    this.expectedErrors.push(`${method} ${pathname} ${status}`);
  }

  noProblems(where) {
    check(this.problems.length === 0, `${where}:\n  ${this.problems.join('\n  ')}`);
    const unexpected = [...this.httpErrors];
    for (const e of this.expectedErrors) {
      const i = unexpected.indexOf(e);
      if (i >= 0) unexpected.splice(i, 1);
    }
    check(unexpected.length === 0, `${where}: HTTP errors no step expected: ${unexpected.join(', ')}`);
  }

  // sessionStorage holds the session token (when signed in) and nothing else does: no cookie, no
  // localStorage, no IndexedDB, no Cache API, no fragment in the address bar, no link token kept.
  async storage(page, { signedIn }) {
    const s = await page.evaluate(async () => ({
      local: Object.keys(localStorage),
      cookie: document.cookie,
      session: Object.fromEntries(Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)])),
      idb: (await indexedDB.databases()).map((d) => d.name),
      caches: self.caches ? await caches.keys() : [],
      hash: location.hash,
    }));
    const cookies = await page.context().cookies();
    check(s.local.length === 0, `localStorage holds ${JSON.stringify(s.local)}`);
    check(s.cookie === '' && cookies.length === 0, `cookies: "${s.cookie}" ${JSON.stringify(cookies)}`);
    check(s.idb.length === 0, `IndexedDB databases: ${JSON.stringify(s.idb)}`);
    check(s.caches.length === 0, `Cache API caches: ${JSON.stringify(s.caches)}`);
    check(s.hash === '', `the address bar still has a fragment: ${s.hash}`);
    const keys = Object.keys(s.session);
    if (signedIn) {
      check(keys.length === 1 && keys[0] === TOKEN_KEY && s.session[TOKEN_KEY],
        `signed in, sessionStorage should hold ${TOKEN_KEY} only: ${JSON.stringify(keys)}`);
      this.sessionTokens.add(s.session[TOKEN_KEY]);
    } else {
      check(keys.length === 0, `signed out, sessionStorage still holds ${JSON.stringify(keys)}`);
    }
    for (const value of Object.values(s.session)) {
      check(![...this.linkTokens].some((t) => value.includes(t)), 'a link token is in sessionStorage');
    }
  }

  // axe-core on what the page shows now; fails on a serious or critical violation. The page's
  // policy (script-src 'self') forbids an injected <script>, and the flow runs under that very
  // policy: the source is evaluated through the DevTools protocol instead, which the policy does
  // not govern and which leaves no element in the DOM.
  async accessibility(page, name) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(this.axeSource);
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })) }));
    });
    this.axeReports.push({ view: name, violations });
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const minor = violations.filter((v) => !bad.includes(v)).map((v) => `${v.id} (${v.impact})`);
    check(bad.length === 0, `axe on "${name}": ${bad.length} serious or critical violation(s):\n${bad.map((v) =>
      `  ${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\n${v.nodes.map((n) => `    ${n.target}: ${n.summary}`).join('\n')}`).join('\n')}`);
    console.log(`  axe on "${name}": no serious or critical violations${minor.length ? `; minor: ${minor.join(', ')}` : ''}`);
  }
}
