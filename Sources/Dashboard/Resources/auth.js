// Timelapser dashboard: signing in (`--auth users`): who is signed in (GET /api/auth/me), the sign-in page, the setup
// notice while no admin exists, the header's account bar with Sign out, and what the role may do (`can`). Nothing
// private is fetched or kept on the page while nobody is signed in. The Account page is account.js.
"use strict";

const ROLE_RANK = { viewer: 1, operator: 2, admin: 3 };
/// mode: none | token | users (the server's); user: who is signed in (users mode); started: /me answered;
/// epoch: bumped at every sign-out, so that answers to calls made before it are dropped (api.js).
const session = { mode: "none", user: null, setupRequired: false, started: false, epoch: 0 };

/// Whether the signed-in user's role reaches `role`. Outside users mode always (the server decides there).
function can(role) {
  if (session.mode !== "users") return true;
  return !!session.user && (ROLE_RANK[session.user.role] || 0) >= ROLE_RANK[role];
}
const signedIn = () => session.mode !== "users" || !!session.user;

function applyMe(me) {
  session.mode = (me && me.mode) || "none";
  session.user = (me && me.user) || null;
  session.setupRequired = !!(me && me.setup_required);
  session.started = true;
}

/// At load (and when the browser brings the page back from its back-forward cache): the dashboard, the sign-in page
/// or the setup notice.
async function boot() {
  let me = null;
  try { me = await api.call("GET", "/api/auth/me", undefined, { quiet: true }); } catch (_) { /* an older server: no users */ }
  applyMe(me);
  if (session.mode === "users" && session.setupRequired) return showSetup();
  if (!signedIn()) return showLogin();
  enterDashboard();
}
window.addEventListener("pageshow", (e) => { if (e.persisted && session.mode === "users") boot(); });

/// Whether route() may draw a page; otherwise it shows the sign-in page (or the setup notice) instead.
function mayRoute() {
  if (!session.started) return false;
  if (signedIn()) return true;
  if (session.setupRequired) showSetup(); else showLogin();
  return false;
}

function enterDashboard() {
  document.body.classList.remove("signed-out");
  const page = $("#login-page");
  page.hidden = true;
  page.replaceChildren();
  main().hidden = false;
  renderAccountBar();
  if (!live.source) connectEvents();
  route();
}

/// Forgets everything private on the page: the view (and its timers and live handlers), the live connection, open
/// dialogs, the toast, the user; in-flight answers are dropped (epoch).
function clearPrivate() {
  session.epoch++;
  session.user = null;
  leaveView();
  leaveView = () => {};
  disconnectEvents();
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  $("#frame-img").removeAttribute("src");
  main().replaceChildren();
  main().hidden = true;
  $("#toast").classList.remove("show");
  document.body.classList.add("signed-out");
  renderAccountBar();
  $("#login-page").hidden = false;
}

/// The sign-in page; `message` (why: signed out, session ended…) above the form.
function showLogin(message) {
  clearPrivate();
  const page = $("#login-page");
  if (!$("#login-form", page)) page.replaceChildren(loginForm());
  if (message !== undefined) $("#login-note", page).textContent = message;
  const first = $("#login-username", page);
  if (document.activeElement === document.body || !page.contains(document.activeElement)) first.focus();
}

function loginForm() {
  const field = (id, label, attrs) => h("div", { class: "field" }, h("label", { for: id, text: label }), h("input", { id, ...attrs }));
  const form = h("form", { id: "login-form", class: "login-form panel", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title", text: "Sign in" }),
    h("p", { class: "meta", id: "login-note", role: "status" }),
    field("login-username", "User name", { name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true }),
    field("login-password", "Password", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    field("login-code", "Code (if enabled)", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 10,
      placeholder: "6 digits from your authenticator app" }),
    h("div", { class: "form-error error", id: "login-error", role: "alert" }),
    h("button", { class: "primary", type: "submit", id: "login-submit", text: "Sign in" }));
  form.addEventListener("submit", (e) => { e.preventDefault(); signIn(form); });
  return form;
}

async function signIn(form) {
  const button = $("#login-submit", form), error = $("#login-error", form);
  error.textContent = "";
  button.disabled = true;
  const body = { username: form.elements.username.value.trim(), password: form.elements.password.value };
  const code = form.elements.code.value.replace(/\s/g, "");
  if (code) body.code = code;
  try {
    const me = await api.call("POST", "/api/auth/login", body, { quiet: true });
    applyMe(me);
    enterDashboard();
  } catch (err) {
    const wait = err.details && err.details.retry_after;
    error.textContent = err.status === 429 ? `Too many attempts, try again in ${wait ?? "a few"} s`
      : err.status === 401 ? "Wrong user name, password or code" : err.message;
    form.elements.password.value = "";
    form.elements.password.focus();
  } finally { button.disabled = false; }
}

function showSetup() {
  clearPrivate();
  $("#login-page").replaceChildren(h("section", { class: "login-form panel", id: "setup-notice", "aria-labelledby": "setup-title" },
    h("h1", { id: "setup-title", text: "Set up Timelapser" }),
    h("p", {}, "No admin yet: run ", h("code", { text: "timelapser users add NAME --role admin" }), " on the server (or start it with ",
      h("code", { text: "TIMELAPSER_ADMIN_USERNAME" }), " and ", h("code", { text: "TIMELAPSER_ADMIN_PASSWORD" }), "), then sign in here."),
    h("button", { type: "button", class: "primary", id: "setup-retry", text: "Check again", onclick: () => boot() })));
}

/// The header's "name · role" (a link to the Account page) and Sign out, in users mode.
function renderAccountBar() {
  const bar = $("#account");
  const user = session.mode === "users" ? session.user : null;
  bar.hidden = !user;
  if (!user) { bar.replaceChildren(); return; }
  bar.replaceChildren(
    h("a", { href: "#/account", id: "account-user", "data-nav": "account", title: "Your account: password, API tokens" },
      user.username, " ", h("span", { class: "role", id: "account-role", text: user.role })),
    h("button", { type: "button", id: "sign-out", text: "Sign out", onclick: signOut }));
}

async function signOut() {
  const button = $("#sign-out");
  if (button) button.disabled = true;
  let failed = false;
  try { await api.call("POST", "/api/auth/logout", {}, { quiet: true }); } catch (_) { failed = true; }
  // This history entry no longer leads to the page that was open; Back leads to entries that route() answers with
  // the sign-in page while nobody is signed in.
  history.replaceState(null, "", location.pathname + location.search);
  showLogin(failed ? "Signed out on this page, but the server did not answer: close the browser to be sure." : "You have signed out.");
}
