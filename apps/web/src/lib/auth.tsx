import type { Me, Permission } from "@syntra/contracts";
import { createContext, type ReactNode, useCallback, useContext, useMemo } from "react";
import { ApiError, api } from "./api";
import { clearQueries, invalidate, setQueryData, useQuery } from "./query";

interface AuthState {
  me: Me | null;
  loading: boolean;
  error: unknown;
  /** True when the signed-in member's role grants the permission: what they cannot do is not offered. */
  can(permission: Permission): boolean;
  refresh(): void;
  /** Records who just signed in (the sign-in's answer), before navigating into the app. */
  signedIn(me: Me): void;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

/** Loads who is signed in (GET /me); 401 means nobody. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const query = useQuery("me", async () => {
    try {
      return await api.auth.me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  });
  const me = query.data ?? null;
  const can = useCallback((p: Permission) => me?.permissions.includes(p) ?? false, [me]);
  const signOut = useCallback(async () => {
    await api.auth.logout().catch(() => {});
    clearQueries();
    window.location.assign("/login");
  }, []);
  const value = useMemo<AuthState>(
    () => ({
      me,
      loading: query.loading && query.data === undefined,
      error: query.error,
      can,
      refresh: () => invalidate("me"),
      signedIn: (next: Me) => setQueryData("me", next),
      signOut,
    }),
    [me, query.loading, query.data, query.error, can, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}
