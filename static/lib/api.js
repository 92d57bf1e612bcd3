// The fetch wrapper shared by the console and the member preview: JSON in and out,
// the bearer token, one token refresh on 401, and the contract's error body as ApiError.

const BASE = "/api/v1";

class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "HTTP_" + status;
    this.details = error.details || {};
  }
}

function idempotencyKey() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export class Api {
  /** storageKey keeps the console's and the preview's sessions apart. */
  constructor(storageKey) {
    this.storageKey = storageKey;
    this.session = JSON.parse(localStorage.getItem(storageKey) || "null");
    this.refreshing = null;
    this.onLogout = () => {};
  }

  save(session) {
    this.session = session;
    if (session) localStorage.setItem(this.storageKey, JSON.stringify(session));
    else localStorage.removeItem(this.storageKey);
  }

  /** POST a login endpoint and keep the tokens and the subject (staff or member). */
  async login(path, body, subjectKey) {
    const result = await this.request("POST", path, { body, auth: false });
    this.save({ access: result.access_token, refresh: result.refresh_token,
                subject: result[subjectKey] });
    return result;
  }

  /** Forget the session at once, then revoke both tokens on the server. */
  async logout() {
    const tokens = [this.session?.access, this.session?.refresh].filter(Boolean);
    this.save(null);
    this.onLogout();
    await Promise.all(tokens.map((token) =>
      this.request("POST", "/auth/logout", { auth: false, token }).catch(() => {})));
  }

  get(path, query) { return this.request("GET", withQuery(path, query)); }
  post(path, body) { return this.request("POST", path, { body, idempotent: true }); }
  put(path, body) { return this.request("PUT", path, { body }); }
  patch(path, body) { return this.request("PATCH", path, { body }); }
  del(path) { return this.request("DELETE", path); }
  /** POST a file (as multipart field `file`) or a whole FormData; the browser sets the boundary. */
  upload(path, fileOrForm) {
    let body = fileOrForm;
    if (!(body instanceof FormData)) {
      body = new FormData();
      body.append("file", fileOrForm);
    }
    return this.request("POST", path, { body });
  }

  /** An object URL for an authenticated image (QR codes). */
  async blobUrl(path) {
    return URL.createObjectURL(await this.request("GET", path, { as: "blob" }));
  }

  /** Fetch an authenticated file and hand it to the browser as a download. */
  async download(path, query, filename) {
    const blob = await this.request("GET", withQuery(path, query), { as: "blob" });
    const link = Object.assign(document.createElement("a"), {
      href: URL.createObjectURL(blob), download: filename });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  async request(method, path, { body, auth = true, token, idempotent = false,
                                as = "json" } = {}) {
    const headers = { Accept: as === "json" ? "application/json" : "*/*" };
    const form = body instanceof FormData;  // multipart: the browser sets the boundary
    if (body !== undefined && !form) headers["Content-Type"] = "application/json";
    if (idempotent) headers["Idempotency-Key"] = idempotencyKey();  // the same on the retry
    const send = () => {
      const bearer = token || (auth && this.session?.access);
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      return fetch(BASE + path, { method, headers,
                                  body: body === undefined || form ? body : JSON.stringify(body) });
    };
    let response = await send();
    if (auth && !token && this.session?.refresh && await sessionRefused(response)) {
      await this.refresh();
      response = await send();
    }
    if (!response.ok) {
      const loggedOut = auth && !token && await sessionRefused(response);
      const error = new ApiError(response.status, await response.json().catch(() => null));
      if (loggedOut) { this.save(null); this.onLogout(); }
      throw error;
    }
    if (as === "blob") return response.blob();
    return response.status === 204 ? null : response.json();
  }

  /** One refresh at a time: refresh tokens rotate, so a second use would fail. */
  refresh() {
    this.refreshing ??= this.request("POST", "/auth/refresh", { auth: false,
                                                              token: this.session.refresh })
      .then((pair) => this.save({ ...this.session, access: pair.access_token,
                                  refresh: pair.refresh_token }))
      .catch(() => this.save({ ...this.session, refresh: null }))
      .finally(() => { this.refreshing = null; });
    return this.refreshing;
  }
}

// 401s about the request, not the login: the session stays.
const NOT_SESSION = new Set(["PAY_CODE_INVALID"]);

async function sessionRefused(response) {
  if (response.status !== 401) return false;
  const body = await response.clone().json().catch(() => null);
  return !NOT_SESSION.has(body?.error?.code);
}

function withQuery(path, query) {
  const params = new URLSearchParams(
    Object.entries(query || {}).filter(([, value]) => value !== "" && value != null));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
