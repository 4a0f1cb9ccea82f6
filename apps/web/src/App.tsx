import { type ComponentType, lazy, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { AppShell } from "./components/layout";
import { ErrorNote, LoadingRows } from "./components/states";
import { AuthProvider, useAuth } from "./lib/auth";
import { LiveProvider } from "./lib/live";
import { LoginPage, SignupPage } from "./pages/auth";
import { DashboardPage } from "./pages/dashboard";
import { ForgotPasswordPage, ResetPasswordPage } from "./pages/password";

// Pages past the dashboard load on first visit, so signing in does not wait for the charts library and the
// rest; `components/layout.tsx` and `pages/service.tsx` hold the Suspense boundaries.
const RELOADED = "syntra.reloaded-for-chunks";
const page = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) =>
  lazy(async () => {
    try {
      const module = await load();
      sessionStorage.removeItem(RELOADED);
      return { default: module[name] };
    } catch (err) {
      // A tab opened before Syntra was upgraded asks for chunks the new build no longer has: load the new
      // build once rather than show a broken page; if that does not help, the error is shown.
      if (!sessionStorage.getItem(RELOADED)) {
        sessionStorage.setItem(RELOADED, "1");
        window.location.reload();
        return new Promise<never>(() => {});
      }
      throw err;
    }
  });
const ServersPage = page(() => import("./pages/servers"), "ServersPage");
const NewServerPage = page(() => import("./pages/servers"), "NewServerPage");
const ServerDetailPage = page(() => import("./pages/server-detail"), "ServerDetailPage");
const ProjectsPage = page(() => import("./pages/projects"), "ProjectsPage");
const NewProjectPage = page(() => import("./pages/projects"), "NewProjectPage");
const ProjectOverviewPage = page(() => import("./pages/projects"), "ProjectOverviewPage");
const NewServicePage = page(() => import("./pages/projects"), "NewServicePage");
const ServiceLayout = page(() => import("./pages/service"), "ServiceLayout");
const ServiceDeploymentsPage = page(() => import("./pages/service-deployments"), "ServiceDeploymentsPage");
const ServiceLogsPage = page(() => import("./pages/service-logs"), "ServiceLogsPage");
const ServiceOverviewPage = page(() => import("./pages/service-overview"), "ServiceOverviewPage");
const ServiceTracesPage = page(() => import("./pages/service-traces"), "ServiceTracesPage");
const TraceViewPage = page(() => import("./pages/trace-view"), "TraceViewPage");
const ServiceMetricsPage = page(() => import("./pages/service-metrics"), "ServiceMetricsPage");
const ServiceSettingsPage = page(() => import("./pages/service-settings"), "ServiceSettingsPage");
const ServiceSetupPage = page(() => import("./pages/service-setup"), "ServiceSetupPage");
const SettingsPage = page(() => import("./pages/settings"), "SettingsPage");
const DevicePage = page(() => import("./pages/device"), "DevicePage");
const ProjectIssuesPage = page(() => import("./pages/issues"), "ProjectIssuesPage");
const IssuePage = page(() => import("./pages/issue-detail"), "IssuePage");
const AlertsPage = page(() => import("./pages/alerts"), "AlertsPage");
const IncidentPage = page(() => import("./pages/alerts"), "IncidentPage");
const AlertRulesPage = page(() => import("./pages/alert-rules"), "AlertRulesPage");
const AlertChannelsPage = page(() => import("./pages/alert-channels"), "AlertChannelsPage");
const AlertSilencesPage = page(() => import("./pages/alert-silences"), "AlertSilencesPage");
const UptimePage = page(() => import("./pages/uptime"), "UptimePage");
const StatusPagesPage = page(() => import("./pages/status-pages"), "StatusPagesPage");

/** Pages that need a signed-in member: others go to /login and come back after. */
function RequireAuth({ children }: { children: ReactNode }) {
  const { me, loading, error } = useAuth();
  const location = useLocation();
  if (loading) {
    return (
      <div className="p-6">
        <LoadingRows />
      </div>
    );
  }
  if (error) return <ErrorNote className="m-6" error={error} />;
  if (!me) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <LiveProvider enabled>{children}</LiveProvider>;
}

function NotFound() {
  return <ErrorNote error={new Error("This page does not exist.")} />;
}

/** The dashboard's routes (the plan's "Key Pages to Build"). */
export function App() {
  return (
    <BrowserRouter>
      <AuthProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/signup" element={<SignupPage />} />
          <Route path="/forgot-password" element={<ForgotPasswordPage />} />
          <Route path="/reset-password" element={<ResetPasswordPage />} />
          <Route
            path="/device"
            element={
              <RequireAuth>
                <DevicePage />
              </RequireAuth>
            }
          />
          <Route
            element={
              <RequireAuth>
                <AppShell />
              </RequireAuth>
            }
          >
            <Route index element={<Navigate to="/dashboard" replace />} />
            <Route path="dashboard" element={<DashboardPage />} />
            <Route path="servers" element={<ServersPage />} />
            <Route path="servers/new" element={<NewServerPage />} />
            <Route path="servers/:serverId" element={<ServerDetailPage />} />
            <Route path="projects" element={<ProjectsPage />} />
            <Route path="projects/new" element={<NewProjectPage />} />
            <Route path="projects/:projectId" element={<Navigate to="overview" replace />} />
            <Route path="projects/:projectId/overview" element={<ProjectOverviewPage />} />
            <Route path="projects/:projectId/services/new" element={<NewServicePage />} />
            <Route path="projects/:projectId/issues" element={<ProjectIssuesPage />} />
            <Route path="issues/:issueId" element={<IssuePage />} />
            <Route path="alerts" element={<AlertsPage />} />
            <Route path="alerts/incidents/:incidentId" element={<IncidentPage />} />
            <Route path="alerts/rules" element={<AlertRulesPage />} />
            <Route path="alerts/channels" element={<AlertChannelsPage />} />
            <Route path="alerts/silences" element={<AlertSilencesPage />} />
            <Route path="uptime" element={<UptimePage />} />
            <Route path="status-pages" element={<StatusPagesPage />} />
            <Route path="projects/:projectId/services/:serviceId" element={<ServiceLayout />}>
              <Route index element={<Navigate to="overview" replace />} />
              <Route path="overview" element={<ServiceOverviewPage />} />
              <Route path="traces" element={<ServiceTracesPage />} />
              <Route path="traces/:traceId" element={<TraceViewPage />} />
              <Route path="logs" element={<ServiceLogsPage />} />
              <Route path="metrics" element={<ServiceMetricsPage />} />
              <Route path="deployments" element={<ServiceDeploymentsPage />} />
              <Route path="setup" element={<ServiceSetupPage />} />
              <Route path="settings" element={<ServiceSettingsPage />} />
            </Route>
            <Route path="settings" element={<SettingsPage />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </AuthProvider>
    </BrowserRouter>
  );
}
