// The login screen: paste an API key once; the API answers with an HttpOnly session cookie the page never sees.
import { ApiError, sessionApi } from './api.js';
import { h, replace } from './dom.js';

/** Mounts the form in `root`; `onLogin(session)` runs once the API accepted the key. */
export function mountLogin(root, onLogin) {
  const input = h('input', { type: 'password', id: 'login-token', name: 'token', autocomplete: 'off', required: true, placeholder: 'gf_…' });
  const error = h('p', { class: 'field-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card login', onsubmit: submit },
    h('h1', {}, 'Log in'),
    h('p', { class: 'muted' }, 'Paste an API key (from ', h('code', {}, 'ganforge keys create'), ' or your administrator). It is sent once; the browser keeps a session cookie instead.'),
    h('label', { for: 'login-token' }, 'API key'),
    input,
    error,
    h('button', { type: 'submit', class: 'button primary' }, 'Log in'),
  );
  replace(root, form);
  input.focus();

  async function submit(event) {
    event.preventDefault();
    replace(error);
    try {
      const session = await sessionApi.login(input.value.trim());
      input.value = '';
      onLogin(session);
    } catch (err) {
      replace(error, err instanceof ApiError && err.status === 401 ? 'That key is unknown or revoked.' : err.message);
    }
  }
  return () => undefined;
}
