import type { ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { AppShell } from "./components/layout";
import { ErrorNote, LoadingRows } from "./components/states";
import { AuthProvider, useAuth } from "./lib/auth";
import { LiveProvider } from "./lib/live";
import { LoginPage, SignupPage } from "./pages/auth";
import { DashboardPage } from "./pages/dashboard";
import { NewProjectPage, NewServicePage, ProjectOverviewPage, ProjectsPage } from "./pages/projects";
import { ServerDetailPage } from "./pages/server-detail";
import { NewServerPage, ServersPage } from "./pages/servers";
import { ServiceLayout } from "./pages/service";
import { ServiceDeploymentsPage } from "./pages/service-deployments";
import { ServiceLogsPage } from "./pages/service-logs";
import { ServiceSettingsPage } from "./pages/service-settings";
import { SettingsPage } from "./pages/settings";

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
            <Route path="projects/:projectId/services/:serviceId" element={<ServiceLayout />}>
              <Route index element={<Navigate to="deployments" replace />} />
              <Route path="deployments" element={<ServiceDeploymentsPage />} />
              <Route path="logs" element={<ServiceLogsPage />} />
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
