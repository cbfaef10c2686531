import type { ComponentType } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, errorText, savedToken, type Api } from './api';

/** What every page is given: the API, signed in as the current person. */
export interface PageProps {
  api: Api;
  /** The signed-in person's name (the actor recorded for their changes). */
  who: string;
}

/**
 * The pages, in navigation order. A page is the default export of `pages/<id>.tsx`; until its file
 * exists the navigation shows a placeholder, so pages land one at a time.
 */
const NAV = [
  { id: 'rules', label: 'Rules' },
  { id: 'lanes', label: 'Lanes' },
  { id: 'dead-letters', label: 'Dead letters' },
  { id: 'trail', label: 'Trail' },
] as const;

const pageModules = import.meta.glob<{ default: ComponentType<PageProps> }>('./pages/*.tsx', { eager: true });
const pageOf = (id: string) => pageModules[`./pages/${id}.tsx`]?.default;

const currentPage = () => {
  const id = location.hash.replace(/^#\/?/, '');
  return NAV.some((p) => p.id === id) ? id : 'rules';
};

export function App() {
  const [token, setToken] = useState(savedToken.get());
  const [who, setWho] = useState<string | null>(null);
  const [page, setPage] = useState(currentPage());
  const signOut = () => {
    savedToken.clear();
    setToken(null);
    setWho(null);
  };
  const api = useMemo(() => (token ? createApi(token, signOut) : null), [token]);

  useEffect(() => {
    const onHash = () => setPage(currentPage());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (api) api.get<{ name: string }>('/v1/admin/whoami').then((r) => setWho(r.name), signOut);
  }, [api]);

  if (!api || !who) return <SignIn onSignedIn={(t, name) => (savedToken.set(t), setToken(t), setWho(name))} />;
  const Page = pageOf(page);
  const label = NAV.find((p) => p.id === page)!.label;
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">Notify console</span>
        <nav aria-label="Pages">
          <ul>
            {NAV.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          Signed in as <strong data-testid="who">{who}</strong>{' '}
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" aria-label={label}>
        {Page ? (
          <Page api={api} who={who} />
        ) : (
          <section>
            <h1>{label}</h1>
            <p class="muted">This page is not part of this build yet.</p>
          </section>
        )}
      </main>
    </div>
  );
}

/** The bearer secret of what was typed: a whole ADMIN_TOKENS entry (name:secret) or its secret alone. */
async function secretOf(typed: string): Promise<string> {
  const separator = typed.indexOf(':');
  if (separator <= 0) return typed;
  const secret = typed.slice(separator + 1);
  // A secret may itself hold ":"; the whole entry is tried only if the part after the name is refused.
  try {
    await createApi(secret).get('/v1/admin/whoami');
    return secret;
  } catch {
    return typed;
  }
}

function SignIn({ onSignedIn }: { onSignedIn: (token: string, name: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const secret = await secretOf(token.trim());
      const { name } = await createApi(secret).get<{ name: string }>('/v1/admin/whoami');
      onSignedIn(secret, name);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Notify console</h1>
        <label for="token">Admin token</label>
        <input id="token" type="password" autoComplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
        <p class="muted">Your own entry of ADMIN_TOKENS (name:secret) or its secret. It is kept for this tab only.</p>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
