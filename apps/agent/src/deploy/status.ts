import type {
  DeploymentPhase,
  DeploymentStatus,
  DeployPayload,
  DeployStatusPayload,
  ErrorCode,
} from "@syntra/contracts";

// Lines kept for the final status: enough to see why a deploy failed, small enough for one message.
const FINAL_LOG_LINES = 30;

/**
 * Builds a deployment's `deploy_status` messages: progress never goes back, log lines gathered since the last
 * message ride along with the next one, and a throwing `report` cannot break the deploy.
 */
export class StatusReporter {
  private percent = 0;
  private pendingLogs: string[] = [];
  private readonly allLogs: string[] = [];
  private containerId: string | undefined;
  /** The phase of the last message, where a failure happened. */
  phase: DeploymentPhase = "pull_image";

  constructor(
    private readonly payload: Pick<DeployPayload, "deployment_id" | "service_id">,
    readonly startedAt: string,
    private readonly report: (status: DeployStatusPayload) => void,
    private readonly now: () => Date,
    private readonly onReportError: (err: unknown) => void,
  ) {}

  /** Adds a line to the deployment's log (pull progress, container output). Never put secrets here. */
  log(line: string): void {
    this.pendingLogs.push(line);
    this.allLogs.push(line);
    if (this.allLogs.length > FINAL_LOG_LINES) this.allLogs.shift();
  }

  /** Remembers the first new container, reported from then on. */
  setContainer(id: string): void {
    this.containerId ??= id;
  }

  step(status: DeploymentStatus, phase: DeploymentPhase, percent: number, message: string): void {
    this.percent = Math.max(this.percent, percent);
    this.phase = phase;
    const logs = this.pendingLogs;
    this.pendingLogs = [];
    this.send(this.build(status, phase, message, logs));
  }

  /** The last status: 100%, finished_at set, the recent log lines, and the error when it failed. */
  final(
    status: Extract<DeploymentStatus, "running" | "failed" | "rolled_back">,
    phase: DeploymentPhase,
    message: string,
    error?: { code: ErrorCode; message: string },
  ): DeployStatusPayload {
    this.percent = 100;
    const final: DeployStatusPayload = {
      ...this.build(status, phase, message, this.allLogs),
      finished_at: this.now().toISOString(),
      ...(error ? { error } : {}),
    };
    this.send(final);
    return final;
  }

  private build(
    status: DeploymentStatus,
    phase: DeploymentPhase,
    message: string,
    logs: string[],
  ): DeployStatusPayload {
    return {
      deployment_id: this.payload.deployment_id,
      service_id: this.payload.service_id,
      status,
      phase,
      progress_percent: this.percent,
      message,
      started_at: this.startedAt,
      ...(logs.length > 0 ? { logs: [...logs] } : {}),
      ...(this.containerId ? { container_id: this.containerId } : {}),
    };
  }

  private send(status: DeployStatusPayload): void {
    try {
      this.report(status);
    } catch (err) {
      this.onReportError(err);
    }
  }
}
