// Vestibule's account page: one script, no framework, no third-party code. It talks to the
// JSON API of the server that served it (same origin) with fetch.
// Security choices:
// - The bearer token lives in this tab's sessionStorage only: never a cookie (so no request is
//   authenticated by the browser on its own, and there is nothing to forge cross-site), never
//   localStorage (it ends with the tab).
// - A mailed link's token is read from the URL fragment (which browsers never send to a server),
//   removed from the address bar and the history at once, and sent only in a POST body.
// - Everything the server returns is written with textContent, never as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'vestibule.token';
  const VIEWS = ['sign-in', 'mfa', 'sign-up', 'forgot', 'reset', 'verify', 'account'];
  const $ = (id) => document.getElementById(id);

  const store = {
    get() {
      try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
    },
    set(value) {
      try { sessionStorage.setItem(TOKEN_KEY, value); } catch { /* storage off: memory only */ }
    },
    clear() {
      try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing kept */ }
    },
  };

  let token = store.get();
  let user = null;
  let linkToken = null;  // the reset or verification token from the fragment, in memory only
  let mfaToken = null;  // a sign-in's second step, in memory only

  // ---- the API ----------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, problem, retryAfter) {
      super(problem.detail || `HTTP ${status}`);
      this.status = status;
      this.code = problem.code || (status === 0 ? 'network' : 'unknown');
      this.errors = Array.isArray(problem.errors) ? problem.errors : [];
      this.retryAfter = Number.parseInt(retryAfter || '', 10);
    }
  }

  async function api(method, path, body, auth = false) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && token) headers.Authorization = `Bearer ${token}`;
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      throw new ApiError(0, {});
    }
    let data = null;
    if (res.status !== 204 && (res.headers.get('Content-Type') || '').includes('json')) {
      data = await res.json().catch(() => null);
    }
    if (!res.ok) throw new ApiError(res.status, data || {}, res.headers.get('Retry-After'));
    return data;
  }

  // ---- words ------------------------------------------------------------------------------

  function waitText(seconds) {
    if (!Number.isFinite(seconds) || seconds <= 0) return 'later';
    if (seconds < 90) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
    const minutes = Math.ceil(seconds / 60);
    return `in ${minutes} minutes`;
  }

  // What a problem means to the person, by its code. `context` words the few codes whose
  // meaning depends on the request (a link's token vs the session's).
  function problemText(error, context = {}) {
    switch (error.code) {
      case 'network': return 'Cannot reach the server. Check your connection and try again.';
      case 'invalid_credentials': return 'The email or password is wrong.';
      case 'invalid_password': return 'The password is wrong.';
      case 'email_taken': return 'An account already uses this email address.';
      case 'too_many_attempts': return `Too many attempts. Try again ${waitText(error.retryAfter)}.`;
      case 'email_not_verified':
        return 'Verify your email address first: we sent a new link to it. Follow the link, then sign in.';
      case 'account_disabled': return 'This account is disabled. Contact the people who run this service.';
      case 'invalid_token':
        return context.link ? 'This link is invalid or has expired.' : 'Your session has ended. Sign in again.';
      case 'already_verified': return 'Your email address is already verified.';
      case 'conflict': return 'Your account changed meanwhile. Try again.';
      case 'not_found': return context.session ? 'That session has already ended.' : 'Not found.';
      case 'payload_too_large': return 'That is too long.';
      case 'invalid_code': return 'The code is wrong or was already used.';
      case 'totp_enabled': return 'Two-step verification is already on.';
      case 'totp_not_enabled': return 'Two-step verification is off.';
      case 'totp_not_pending': return 'Start again: turn on two-step verification first.';
      case 'totp_unavailable': return 'Two-step verification is not available on this server.';
      case 'validation_failed': return 'Please correct the marked fields.';
      case 'overloaded':
      case 'store_unavailable':
        return 'The service is busy or unavailable. Try again in a moment.';
      default:
        return error.status >= 500 ? 'Something went wrong on our side. Try again in a moment.'
                                   : (error.message || 'Something went wrong.');
    }
  }

  const FIELD_TEXT = {
    required: 'Fill this in.',
    too_short: 'This is too short. A password needs at least 8 characters.',
    too_long: 'This is too long.',
    invalid_email: 'Enter an email address, like name@example.com.',
    special_use_domain: 'This domain cannot receive mail. Use another address.',
    invalid_characters: 'Remove the control characters.',
    name_forbidden_character: 'Remove the invisible or special characters.',
    name_invisible: 'Use at least one visible character.',
    password_too_common: 'This password is too common. Choose one that is harder to guess.',
    password_too_similar: 'This password is too close to your name or email address.',
  };

  // ---- the page ---------------------------------------------------------------------------

  // The message area is always in the page (empty, it takes no room): a live region that
  // appears in the moment its text arrives is not announced by every screen reader.
  function say(text, error = false) {
    const m = $('message');
    m.textContent = text;
    m.classList.toggle('error', error);
    m.focus();
  }

  function quiet() {
    $('message').textContent = '';
  }

  function show(name, focusHeading = false) {
    for (const view of VIEWS) $(`view-${view}`).hidden = view !== name;
    // Leaving a mailed link's step: the address bar says where the person is now, so that a
    // reload shows this view rather than the spent link's.
    const linkPath = name === 'reset' ? '/reset-password' : name === 'verify' ? '/verify-email' : null;
    if (!linkPath && location.pathname !== '/') history.replaceState(null, '', '/');
    const heading = $(`view-${name}`).querySelector('h1');
    document.title = `${heading.textContent} · Vestibule`;
    if (focusHeading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  function clearFieldErrors(form) {
    for (const p of form.querySelectorAll('.field-error')) p.remove();
    for (const input of form.querySelectorAll('[aria-invalid]')) {
      input.removeAttribute('aria-invalid');
      const hint = input.dataset.hint;
      if (hint) input.setAttribute('aria-describedby', hint); else input.removeAttribute('aria-describedby');
    }
  }

  function markField(input, text) {
    const p = document.createElement('p');
    p.className = 'field-error';
    p.id = `${input.id}-error`;
    p.textContent = text;
    input.closest('.field').append(p);
    const hint = input.getAttribute('aria-describedby');
    if (hint && !input.dataset.hint) input.dataset.hint = hint;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', hint ? `${p.id} ${hint}` : p.id);
  }

  // Shows `error` from a submit of `form`: each field error next to its input, everything else
  // in the message. Returns nothing; the message always gets the focus.
  function report(form, error, context = {}) {
    if (error.status === 401 && error.code === 'invalid_token' && !context.link) {
      endSession();
      show('sign-in');
      say(problemText(error), true);
      return;
    }
    let placed = 0;
    for (const e of error.errors) {
      const input = form && form.querySelector(`[name="${CSS.escape(e.field)}"]`);
      if (!input) continue;
      markField(input, FIELD_TEXT[e.code] || e.message);
      placed += 1;
    }
    if (placed === 0 && form && context.field && error.code === context.fieldCode) {
      const input = form.querySelector(`[name="${context.field}"]`);
      if (input) markField(input, problemText(error));
    }
    const unplaced = error.errors.filter((e) => !(form && form.querySelector(`[name="${CSS.escape(e.field)}"]`)));
    const text = unplaced.length ? unplaced.map((e) => e.message).join(' ') : problemText(error, context);
    say(text, true);
  }

  // Runs `action` for a submitted form: the button is disabled meanwhile (no double submit),
  // old field errors go, and a failure is reported next to its fields.
  async function submitting(form, action, context = {}) {
    const buttons = [...form.querySelectorAll('button[type="submit"]')];
    clearFieldErrors(form);
    for (const b of buttons) b.disabled = true;
    try {
      await action();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      report(form, error, context);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  function values(form) {
    const out = {};
    for (const input of form.querySelectorAll('input[name]')) {
      if (input.type !== 'checkbox') out[input.name] = input.value;
    }
    return out;
  }

  function endSession() {
    token = null;
    user = null;
    store.clear();
    $('sessions').replaceChildren();
    $('recovery-codes').replaceChildren();
    $('recovery-codes-box').hidden = true;
    $('totp-confirm-form').hidden = true;
    $('totp-secret').textContent = '';
  }

  function startSession(session) {
    token = session.token;
    store.set(token);
    user = session.user;
  }

  // ---- the account view -------------------------------------------------------------------

  function renderUser() {
    $('profile-name').textContent = user.name;
    $('profile-email').textContent = user.email;
    const badge = $('profile-verified');
    badge.textContent = user.email_verified ? 'Verified' : 'Not verified';
    badge.className = `badge ${user.email_verified ? 'ok' : 'pending'}`;
    $('resend-verification').hidden = user.email_verified && !user.pending_email;
    const pending = Boolean(user.pending_email);
    $('profile-pending-label').hidden = !pending;
    $('profile-pending').hidden = !pending;
    $('profile-pending').textContent = user.pending_email || '';
    $('name-name').value = user.name;
    $('totp-state').textContent = user.totp_enabled
      ? 'On: signing in needs a code from your authenticator app.'
      : 'Off: signing in needs only your password.';
    const confirming = !$('totp-confirm-form').hidden;
    $('totp-start-form').hidden = user.totp_enabled || confirming;
    $('totp-manage-form').hidden = !user.totp_enabled;
    if (user.totp_enabled) $('totp-confirm-form').hidden = true;
  }

  function showRecoveryCodes(codes) {
    $('recovery-codes').replaceChildren(...codes.map((code) => {
      const li = document.createElement('li');
      li.textContent = code;
      return li;
    }));
    $('recovery-codes-box').hidden = false;
  }

  function when(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  }

  function renderSessions(list) {
    const items = list.map((s) => {
      const li = document.createElement('li');
      const what = document.createElement('span');
      what.className = 'what';
      what.id = `session-${s.id}`;
      const device = document.createElement('span');
      device.textContent = s.user_agent ? s.user_agent.slice(0, 120) : 'Unknown device';
      what.append(device);
      if (s.client_address) what.append(` · ${s.client_address}`);
      if (s.current) {
        const mark = document.createElement('span');
        mark.className = 'current';
        mark.textContent = ' · This device';
        what.append(mark);
      }
      const times = document.createElement('span');
      times.className = 'when';
      times.textContent = `Signed in ${when(s.created_at)} · last used ${when(s.last_used_at)}`;
      what.append(times);
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Sign out';
      button.setAttribute('aria-describedby', what.id);
      button.addEventListener('click', () => (s.current ? signOut(button) : revoke(s.id, button)));
      li.append(what, button);
      return li;
    });
    $('sessions').replaceChildren(...items);
  }

  async function loadAccount() {
    user = await api('GET', '/v1/users/me', undefined, true);
    renderUser();
    const list = await api('GET', '/v1/sessions', undefined, true);
    renderSessions(list.sessions || []);
  }

  // Shows the account view (and `message`), or the sign-in view when the session has ended.
  // Whether the account could be loaded.
  async function openAccount(message) {
    try {
      await loadAccount();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 401) {
        endSession();
        show('sign-in');
      } else {
        show(user ? 'account' : 'sign-in');
      }
      say(problemText(error), true);
      return false;
    }
    show('account', !message);
    if (message) say(message);
    return true;
  }

  async function clicking(button, action, context = {}) {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      report(null, error, context);
    } finally {
      button.disabled = false;
    }
  }

  function signedOut(message) {
    endSession();
    show('sign-in');
    say(message);
  }

  function signOut(button) {
    return clicking(button, async () => {
      try {
        await api('DELETE', '/v1/sessions/current', undefined, true);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 401) throw error;  // already ended
      }
      signedOut('You are signed out.');
    });
  }

  function revoke(id, button) {
    return clicking(button, async () => {
      try {
        await api('DELETE', `/v1/sessions/${encodeURIComponent(id)}`, undefined, true);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'not_found') throw error;
      }
      const list = await api('GET', '/v1/sessions', undefined, true);
      renderSessions(list.sessions || []);
      say('That session is signed out.');
    }, { session: true });
  }

  // ---- the forms --------------------------------------------------------------------------

  function on(id, handler) {
    $(id).addEventListener('submit', (event) => {
      event.preventDefault();
      handler(event.currentTarget, event.submitter);
    });
  }

  on('sign-in-form', (form) => submitting(form, async () => {
    const session = await api('POST', '/v1/sessions', values(form));
    form.reset();
    if (session.mfa_required) {
      mfaToken = session.mfa_token;
      show('mfa');
      say('Enter the code from your authenticator app.');
      return;
    }
    startSession(session);
    await openAccount(`Signed in as ${session.user.email}.`);
  }));

  on('mfa-form', (form) => submitting(form, async () => {
    let session;
    try {
      session = await api('POST', '/v1/sessions/mfa', { mfa_token: mfaToken || '', code: values(form).code.trim() });
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'invalid_token') throw error;
      mfaToken = null;
      form.reset();
      show('sign-in');
      say('This sign-in has expired or had too many wrong codes. Sign in again.', true);
      return;
    }
    mfaToken = null;
    form.reset();
    startSession(session);
    await openAccount(`Signed in as ${session.user.email}.`);
  }, { field: 'code', fieldCode: 'invalid_code' }));

  on('sign-up-form', (form) => submitting(form, async () => {
    const fields = values(form);
    await api('POST', '/v1/users', fields);
    let session;
    try {
      session = await api('POST', '/v1/sessions', { email: fields.email, password: fields.password });
    } catch (error) {
      // Under --email-verification required (202 above) there is no sign-in before the link.
      if (!(error instanceof ApiError) || error.code !== 'email_not_verified') throw error;
      form.reset();
      show('sign-in');
      say(`We sent a link to ${fields.email}. Follow it to verify your address, then sign in.`);
      return;
    }
    startSession(session);
    form.reset();
    await openAccount(`Account created. We sent a link to ${user.email} to verify your address.`);
  }));

  on('forgot-form', (form) => submitting(form, async () => {
    const { email } = values(form);
    await api('POST', '/v1/password-resets', { email });
    form.reset();
    say(`If an account uses ${email}, we sent it a link to reset the password.`);
  }));

  on('reset-form', (form) => submitting(form, async () => {
    if (!linkToken) {
      show('forgot');
      say('This link is invalid or has expired. Ask for a new one.', true);
      return;
    }
    try {
      await api('POST', '/v1/password-resets/confirm', { token: linkToken, password: values(form).password });
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'invalid_token') throw error;
      linkToken = null;
      form.reset();
      show('forgot');
      say('This reset link is invalid, used or expired. Ask for a new one.', true);
      return;
    }
    linkToken = null;
    form.reset();
    signedOut('Your password is changed. Sign in with the new one.');
  }));

  on('name-form', (form) => submitting(form, async () => {
    user = await api('PATCH', '/v1/users/me', { name: values(form).name }, true);
    renderUser();
    say('Saved.');
  }));

  on('email-form', (form) => submitting(form, async () => {
    const fields = values(form);
    user = await api('PATCH', '/v1/users/me', fields, true);
    form.reset();
    renderUser();
    say(user.pending_email
      ? `We sent a link to ${user.pending_email}. Your address changes when you follow it.`
      : 'Your email address is changed. We sent a link to verify it.');
  }, { field: 'current_password', fieldCode: 'invalid_password' }));

  on('password-form', (form) => submitting(form, async () => {
    await api('PATCH', '/v1/users/me', values(form), true);
    form.reset();
    const list = await api('GET', '/v1/sessions', undefined, true);
    renderSessions(list.sessions || []);
    say('Your password is changed. Your other sessions are signed out.');
  }, { field: 'current_password', fieldCode: 'invalid_password' }));

  on('totp-start-form', (form) => submitting(form, async () => {
    const enrolment = await api('POST', '/v1/users/me/totp', values(form), true);
    form.reset();
    $('totp-secret').textContent = enrolment.secret.replace(/(.{4})/g, '$1 ').trim();
    $('totp-uri').href = enrolment.otpauth_uri;
    $('recovery-codes-box').hidden = true;
    $('totp-confirm-form').hidden = false;
    form.hidden = true;
    say('Add the key to your authenticator app, then enter the code it shows.');
  }, { field: 'current_password', fieldCode: 'invalid_password' }));

  on('totp-confirm-form', (form) => submitting(form, async () => {
    const { recovery_codes: codes } = await api('POST', '/v1/users/me/totp/confirm', { code: values(form).code.trim() },
      true);
    form.reset();
    form.hidden = true;
    $('totp-secret').textContent = '';
    $('totp-uri').href = '#';
    showRecoveryCodes(codes);
    user = await api('GET', '/v1/users/me', undefined, true);
    renderUser();
    say('Two-step verification is on. Save your recovery codes now.');
  }, { field: 'code', fieldCode: 'invalid_code' }));

  on('totp-manage-form', (form, submitter) => submitting(form, async () => {
    const fields = values(form);
    if (submitter && submitter.id === 'totp-off') {
      await api('DELETE', '/v1/users/me/totp', fields, true);
      form.reset();
      $('recovery-codes-box').hidden = true;
      user = await api('GET', '/v1/users/me', undefined, true);
      renderUser();
      say('Two-step verification is off.');
      return;
    }
    const { recovery_codes: codes } = await api('POST', '/v1/users/me/recovery-codes', fields, true);
    form.reset();
    showRecoveryCodes(codes);
    say('Here are your new recovery codes. The old ones no longer work.');
  }, { field: 'current_password', fieldCode: 'invalid_password' }));

  on('delete-form', (form) => submitting(form, async () => {
    if (!$('delete-confirm').checked) {
      markField($('delete-confirm'), 'Tick this box to confirm.');
      say('Confirm that you want to delete your account.', true);
      return;
    }
    await api('DELETE', '/v1/users/me', { password: values(form).password }, true);
    form.reset();
    signedOut('Your account is deleted.');
  }, { field: 'password', fieldCode: 'invalid_password' }));

  $('resend-verification').addEventListener('click', (event) => clicking(event.currentTarget, async () => {
    await api('POST', '/v1/users/me/email-verification', undefined, true);
    say(`We sent a new link to ${user.pending_email || user.email}.`);
  }));

  $('sign-out').addEventListener('click', (event) => signOut(event.currentTarget));

  $('sign-out-everywhere').addEventListener('click', (event) => clicking(event.currentTarget, async () => {
    try {
      await api('DELETE', '/v1/sessions', undefined, true);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
    }
    signedOut('You are signed out everywhere.');
  }));

  for (const link of document.querySelectorAll('[data-go]')) {
    link.addEventListener('click', () => {
      quiet();
      show(link.dataset.go, true);
    });
  }

  // ---- the mailed links -------------------------------------------------------------------

  async function verify() {
    const progress = $('verify-progress');
    const next = $('verify-continue');
    show('verify');
    if (!linkToken) {
      progress.textContent = '';
      say('This link is invalid or has expired.', true);
      next.hidden = false;
      return;
    }
    try {
      const verified = await api('POST', '/v1/email-verifications', { token: linkToken });
      if (user && verified.id === user.id) user = verified;
      progress.textContent = `${verified.email} is verified.`;
      say('Your email address is verified.');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      progress.textContent = '';
      say(problemText(error, { link: true }), true);
    } finally {
      linkToken = null;
      next.hidden = false;
    }
  }

  $('verify-continue').addEventListener('click', () => {
    if (token) {
      openAccount();
    } else {
      quiet();
      show('sign-in', true);
    }
  });

  // ---- start ------------------------------------------------------------------------------

  function start() {
    const path = location.pathname;
    if (location.hash) {
      linkToken = new URLSearchParams(location.hash.slice(1)).get('token');
      // Out of the address bar and the history before anything else can read or share it.
      history.replaceState(null, '', path + location.search);
    }
    if (path === '/verify-email') {
      verify();
    } else if (path === '/reset-password') {
      // The "your password was changed" notice links here without a token: ask for a link.
      show(linkToken ? 'reset' : 'forgot');
    } else if (token) {
      openAccount();
    } else {
      show('sign-in');
    }
  }

  start();
})();
