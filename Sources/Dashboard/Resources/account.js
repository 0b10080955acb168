// Timelapser dashboard: the Account page (users mode): change one's password, one's API tokens (create with scopes,
// shown once; revoke) and, for admins, the users (add, remove, end their sessions).
"use strict";

const ROLES = ["viewer", "operator", "admin"];

async function accountView() {
  const root = main();
  const user = session.user;
  if (session.mode !== "users" || !user) {
    root.replaceChildren(h("h1", { text: "Account" }), h("p", { class: "meta", text: session.mode === "token"
      ? "This server uses one API token (--api-token). Start it with --auth users for accounts, roles and API tokens of their own."
      : "This server has no users. Start it with --auth users for accounts, roles and API tokens." }));
    return;
  }
  root.replaceChildren(
    h("h1", { text: "Account" }),
    h("section", { class: "panel", "aria-labelledby": "s-account" },
      h("h2", { id: "s-account", text: "Signed in" }),
      h("p", { id: "account-summary" }, h("strong", { text: user.username }), ` · ${user.role} · since ${when(user.created_at)}`,
        ` · two-factor sign-in ${user.totp_enabled ? "on" : "off"}`),
      passwordForm()),
    tokensSection(),
    can("admin") ? usersSection() : null);
  await Promise.all([renderTokens(), can("admin") ? renderUsers() : null, fillCaptureCameras()]);
}

/// An input with its label and the error slot `account-error-KEY` a 422's details.field names.
function accountField(id, label, attrs, key, extra = {}) {
  return h("div", { class: "field " + (extra.class || "") }, h("label", { for: id, text: label }), h("input", { id, ...attrs }),
    h("span", { class: "error", id: "account-error-" + key.replace(/_/g, "-"), "aria-live": "polite" }));
}

function showAccountError(form, err, fallbackId) {
  for (const el of form.querySelectorAll(".error")) el.textContent = "";
  const field = err.details && err.details.field;
  const slot = field && $("#account-error-" + String(field).replace(/_/g, "-"), form);
  (slot || $("#" + fallbackId, form)).textContent = err.message;
  const control = slot && slot.parentElement.querySelector("input, select");
  if (control) control.focus();
}

function passwordForm() {
  const form = h("form", { id: "password-form", "aria-label": "Change password", novalidate: true },
    h("h3", { text: "Change password" }),
    h("div", { class: "form-row" },
      accountField("password-current", "Current password", { name: "current_password", type: "password", autocomplete: "current-password" }, "current_password"),
      accountField("password-new", "New password (10+ characters)", { name: "new_password", type: "password", autocomplete: "new-password" }, "new_password"),
      h("div", { class: "field" }, h("span", { class: "label-spacer", "aria-hidden": "true", text: " " }),
        h("button", { class: "primary", type: "submit", id: "password-save", text: "Change password" }))),
    h("p", { class: "meta", text: "Every session of yours ends, this one too: you sign in again with the new password." }),
    h("div", { class: "form-error error", id: "password-error-form", "aria-live": "polite" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = $("#password-save", form);
    button.disabled = true;
    try {
      await api.post("/api/auth/password", { current_password: form.elements.current_password.value, new_password: form.elements.new_password.value });
      showLogin("Password changed: sign in with the new one.");
    } catch (err) { showAccountError(form, err, "password-error-form"); }
    finally { button.disabled = false; }
  });
  return form;
}

// ---------- API tokens ----------
function tokensSection() {
  const operator = can("operator");
  const scope = (value, label, checked) => h("label", { class: "inline-check" },
    h("input", { type: "checkbox", name: "scope", value, id: "token-scope-" + value, checked }), label);
  const form = h("form", { id: "new-token-form", class: "token-form", "aria-label": "New API token", novalidate: true },
    h("h3", { text: "New token" }),
    h("div", { class: "form-row" },
      accountField("token-name", "Name", { name: "name", placeholder: "backup script", maxlength: 64, autocomplete: "off" }, "name", { class: "grow" }),
      h("fieldset", { class: "events" }, h("legend", { text: "Scopes" }),
        scope("read", "read", true), operator ? scope("write", "write", false) : null,
        h("span", { class: "error", id: "account-error-scopes", "aria-live": "polite" })),
      operator ? h("div", { class: "field" }, h("label", { for: "token-capture", text: "Upload frames of (optional)" }),
        h("select", { id: "token-capture", name: "capture" }, h("option", { value: "", text: "no camera" }))) : null,
      h("div", { class: "field" }, h("span", { class: "label-spacer", "aria-hidden": "true", text: " " }),
        h("button", { class: "primary", type: "submit", id: "token-create", text: "Create token" }))),
    h("div", { class: "form-error error", id: "token-error-form", "aria-live": "polite" }));
  form.addEventListener("submit", (e) => { e.preventDefault(); createToken(form); });
  return h("section", { class: "panel", id: "tokens-panel", "aria-labelledby": "s-tokens" },
    h("h2", { id: "s-tokens", text: "API tokens" }),
    h("p", { class: "meta", text: "For scripts and cameras: send it as Authorization: Bearer TOKEN. A token never does more than your role; "
      + "read only reads, write also changes, an upload token only posts frames of its camera." }),
    h("div", { id: "token-created", role: "status", "aria-live": "polite" }),
    h("div", { id: "tokens" }, "Loading…"),
    form);
}

async function fillCaptureCameras() {
  const select = $("#token-capture");
  if (!select) return;
  let cameras = [];
  try { cameras = await api.get("/api/cameras"); } catch (_) { return; }
  select.append(...cameras.map((c) => h("option", { value: c.id, text: c.name })));
}

async function renderTokens() {
  const box = $("#tokens");
  if (!box) return;
  let list;
  try { list = await api.get("/api/tokens"); } catch (err) { box.textContent = err.message; return; }
  box.replaceChildren(list.length
    ? h("table", { class: "tokens" },
        h("thead", {}, h("tr", {}, ["Name", "Scopes", "Created", "Last used", ""].map((t) => h("th", { text: t })))),
        h("tbody", {}, list.map((t) => h("tr", { "data-token": t.id },
          h("td", { text: t.name }),
          h("td", {}, t.scopes.map((s) => h("span", { class: "chip", text: s }))),
          h("td", { text: when(t.created_at) }),
          h("td", { text: when(t.last_used_at) }),
          h("td", { class: "row-actions" }, h("button", { type: "button", class: "token-revoke danger", text: "Revoke", onclick: () => revokeToken(t) }))))))
    : h("p", { class: "meta", id: "tokens-empty", text: "No API tokens yet." }));
}

async function createToken(form) {
  const scopes = [...form.querySelectorAll('input[name="scope"]:checked')].map((c) => c.value);
  const capture = form.elements.capture && form.elements.capture.value;
  if (capture) scopes.push(`capture:${capture}`);
  if (!scopes.length) { showAccountError(form, { message: "Choose at least one scope", details: { field: "scopes" } }, "token-error-form"); return; }
  try {
    const t = await api.post("/api/tokens", { name: form.elements.name.value.trim(), scopes });
    for (const el of form.querySelectorAll(".error")) el.textContent = "";
    form.elements.name.value = "";
    $("#token-created").replaceChildren(h("div", { class: "new-token" },
      h("strong", { text: `Token “${t.name}” (${t.scopes.join(", ")}): copy it now, it is not shown again.` }),
      h("code", { id: "new-token", text: t.token }),
      h("button", { type: "button", id: "new-token-copy", text: "Copy", onclick: () => copyToken(t.token) }),
      h("button", { type: "button", id: "new-token-done", text: "Done", onclick: () => $("#token-created").replaceChildren() })));
    await renderTokens();
  } catch (err) { showAccountError(form, err, "token-error-form"); }
}

async function copyToken(token) {
  try { await navigator.clipboard.writeText(token); toast("Token copied"); }
  catch (_) {  // no clipboard over plain http: select it for Ctrl+C
    const range = document.createRange();
    range.selectNodeContents($("#new-token"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    toast("Selected: press Ctrl+C (or ⌘C) to copy");
  }
}

async function revokeToken(t) {
  if (!confirm(`Revoke the token “${t.name}”? Whatever uses it stops working.`)) return;
  try { await api.del(`/api/tokens/${t.id}`); toast("Token revoked"); await renderTokens(); } catch (err) { toast(err.message); }
}

// ---------- users (admin) ----------
function usersSection() {
  const form = h("form", { id: "user-form", class: "user-form", "aria-label": "New user", novalidate: true },
    h("h3", { text: "Add a user" }),
    h("div", { class: "form-row" },
      accountField("user-name", "User name", { name: "username", autocomplete: "off", autocapitalize: "none", spellcheck: "false" }, "username"),
      accountField("user-password", "Password (10+ characters)", { name: "password", type: "password", autocomplete: "new-password" }, "password"),
      h("div", { class: "field" }, h("label", { for: "user-role", text: "Role" }),
        h("select", { id: "user-role", name: "role" }, ROLES.map((r) => h("option", { value: r, text: r }))),
        h("span", { class: "error", id: "account-error-role" })),
      h("div", { class: "field" }, h("span", { class: "label-spacer", "aria-hidden": "true", text: " " }),
        h("button", { class: "primary", type: "submit", id: "user-add", text: "Add user" }))),
    h("div", { class: "form-error error", id: "user-error-form", "aria-live": "polite" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { username: form.elements.username.value.trim(), password: form.elements.password.value, role: form.elements.role.value };
    try {
      const u = await api.post("/api/users", body);
      form.reset();
      for (const el of form.querySelectorAll(".error")) el.textContent = "";
      toast(`${u.username} (${u.role}) added`);
      await renderUsers();
    } catch (err) { showAccountError(form, err, "user-error-form"); }
  });
  return h("section", { class: "panel", id: "users-panel", "aria-labelledby": "s-users" },
    h("h2", { id: "s-users", text: "Users" }),
    h("p", { class: "meta", text: "viewer: sees everything, changes nothing · operator: also cameras, captures, timelapses, videos and maintenance "
      + "· admin: also settings, webhooks and users." }),
    h("div", { id: "users" }, "Loading…"),
    form);
}

async function renderUsers() {
  const box = $("#users");
  if (!box) return;
  let list;
  try { list = await api.get("/api/users"); } catch (err) { box.textContent = err.message; return; }
  const me = session.user && session.user.id;
  box.replaceChildren(h("table", { class: "users" },
    h("thead", {}, h("tr", {}, ["User", "Role", "Two-factor", "Since", ""].map((t) => h("th", { text: t })))),
    h("tbody", {}, list.map((u) => h("tr", { "data-user": u.id },
      h("td", {}, u.username, u.id === me ? h("span", { class: "meta", text: " (you)" }) : null),
      h("td", { text: u.role }),
      h("td", { text: u.totp_enabled ? "on" : "off" }),
      h("td", { text: when(u.created_at) }),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "user-revoke", text: "End sessions", title: "Sign this user out everywhere", onclick: () => endSessions(u) }),
        u.id === me ? null : h("button", { type: "button", class: "user-remove danger", text: "Remove", onclick: () => removeUser(u) })))))));
}

async function endSessions(u) {
  const self = session.user && u.id === session.user.id;
  if (!confirm(self ? "End every session of yours, this one too?" : `Sign ${u.username} out everywhere?`)) return;
  try {
    await api.post(`/api/users/${u.id}/revoke-sessions`);
    if (self) { showLogin("Every session of yours has ended: sign in again."); return; }
    toast(`${u.username} is signed out everywhere`);
  } catch (err) { toast(err.message); }
}

async function removeUser(u) {
  if (!confirm(`Remove ${u.username} with their sessions and API tokens?`)) return;
  try { await api.del(`/api/users/${u.id}`); toast(`${u.username} removed`); await renderUsers(); } catch (err) { toast(err.message); }
}
