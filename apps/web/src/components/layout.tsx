import { Bell, FolderGit2, LayoutDashboard, LogOut, Menu, Moon, Server, Settings, Sun, X } from "lucide-react";
import { type ReactNode, useEffect, useState } from "react";
import { Link, NavLink, Outlet, useLocation } from "react-router";
import { useAuth } from "../lib/auth";
import { useLive } from "../lib/live";
import { cn } from "../lib/utils";
import { PageBoundary } from "./page-boundary";
import { Button } from "./ui/button";

const NAV = [
  { to: "/dashboard", label: "Dashboard", icon: LayoutDashboard },
  { to: "/projects", label: "Projects", icon: FolderGit2 },
  { to: "/servers", label: "Servers", icon: Server },
  { to: "/alerts", label: "Alerts", icon: Bell },
  { to: "/settings", label: "Settings", icon: Settings },
];

function useDarkMode(): [boolean, () => void] {
  const [dark, setDark] = useState(() => document.documentElement.classList.contains("dark"));
  return [
    dark,
    () => {
      const next = !dark;
      document.documentElement.classList.toggle("dark", next);
      localStorage.setItem("syntra-theme", next ? "dark" : "light");
      setDark(next);
    },
  ];
}

function Nav({ onNavigate }: { onNavigate?(): void }) {
  return (
    <nav aria-label="Main" className="flex flex-col gap-1">
      {NAV.map(({ to, label, icon: Icon }) => (
        <NavLink
          key={to}
          to={to}
          onClick={onNavigate}
          className={({ isActive }) =>
            cn(
              "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800",
              isActive && "bg-zinc-100 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100",
            )
          }
        >
          <Icon className="size-4" aria-hidden />
          {label}
        </NavLink>
      ))}
    </nav>
  );
}

function Brand() {
  return (
    <Link to="/dashboard" className="flex items-center gap-2 text-lg font-semibold">
      <img src="/favicon.svg" alt="" className="size-7" />
      Syntra
    </Link>
  );
}

/** The signed-in frame: sidebar on wide screens, a menu on phones, the page in the middle. */
export function AppShell() {
  const { me, signOut } = useAuth();
  const { connected } = useLive();
  const [dark, toggleDark] = useDarkMode();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the menu on every navigation
  useEffect(() => setMenuOpen(false), [location.pathname]);
  return (
    <div className="min-h-screen lg:grid lg:grid-cols-[15rem_1fr]">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:m-2 focus:rounded focus:bg-white focus:p-2"
      >
        Skip to content
      </a>
      <aside className="hidden border-r border-zinc-200 bg-white p-4 lg:flex lg:flex-col lg:gap-6 dark:border-zinc-800 dark:bg-zinc-900">
        <Brand />
        <Nav />
      </aside>
      <div className="flex min-w-0 flex-col">
        <header className="sticky top-0 z-10 flex h-14 items-center gap-3 border-b border-zinc-200 bg-white/90 px-4 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/90">
          <Button
            variant="ghost"
            size="icon"
            className="lg:hidden"
            aria-label={menuOpen ? "Close menu" : "Open menu"}
            aria-expanded={menuOpen}
            onClick={() => setMenuOpen(!menuOpen)}
          >
            {menuOpen ? <X /> : <Menu />}
          </Button>
          <div className="lg:hidden">
            <Brand />
          </div>
          <div className="ml-auto flex items-center gap-2 text-sm">
            <span
              className="hidden items-center gap-1.5 text-xs text-zinc-500 sm:flex"
              title={connected ? "Live updates on" : "Reconnecting for live updates"}
            >
              <span className={cn("size-2 rounded-full", connected ? "bg-emerald-500" : "bg-zinc-400")} aria-hidden />
              {connected ? "Live" : "Offline"}
            </span>
            <span className="hidden max-w-48 truncate text-zinc-600 md:inline dark:text-zinc-400">
              {me?.org?.name} · {me?.user.email} · <span data-testid="role">{me?.org?.role}</span>
            </span>
            <Button variant="ghost" size="icon" aria-label={dark ? "Light mode" : "Dark mode"} onClick={toggleDark}>
              {dark ? <Sun /> : <Moon />}
            </Button>
            <Button variant="ghost" size="icon" aria-label="Sign out" onClick={() => void signOut()}>
              <LogOut />
            </Button>
          </div>
        </header>
        {menuOpen && (
          <div className="border-b border-zinc-200 bg-white p-3 lg:hidden dark:border-zinc-800 dark:bg-zinc-900">
            <Nav onNavigate={() => setMenuOpen(false)} />
          </div>
        )}
        <main id="main" className="mx-auto w-full max-w-6xl flex-1 p-4 sm:p-6">
          {/* Pages are loaded on first visit (App.tsx); the shell stays while one arrives. */}
          <PageBoundary resetKey={location.pathname}>
            <Outlet />
          </PageBoundary>
        </main>
      </div>
    </div>
  );
}

/** A page's title row with its actions. */
export function PageHeader({
  title,
  description,
  actions,
  back,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  back?: { to: string; label: string };
}) {
  return (
    <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
      <div className="min-w-0">
        {back && (
          <Link to={back.to} className="text-sm text-zinc-500 hover:underline">
            ← {back.label}
          </Link>
        )}
        <h1 className="truncate text-2xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap gap-2">{actions}</div>}
    </div>
  );
}
