/**
 * One plain line per scheduler event, for `backflow scheduler`'s output.
 */
import type { SchedulerEvent } from "../../core/scheduler/scheduler-events.ts";
import type { DagRun } from "../../core/store/records.ts";

const time = (d: Date) => d.toISOString().replace(".000Z", "Z");

export function intervalText(run: DagRun): string {
  const start = run.dataIntervalStart ?? run.logicalDate;
  const end = run.dataIntervalEnd ?? run.logicalDate;
  return `${time(start)} → ${time(end)}`;
}

function runLine(run: DagRun, what: string): string {
  return `run ${run.id} of ${run.dagId} ${what} (${run.runType}, ${intervalText(run)})`;
}

/** The line for an event, or undefined for none. */
export function schedulerEventLine(event: SchedulerEvent): string | undefined {
  switch (event.type) {
    case "run-created":
      return runLine(event.run, "queued");
    case "run-started":
      return runLine(event.run, "started");
    case "run-skipped":
      return runLine(event.run, "skipped: the DAG was busy (overlap: skip)");
    case "run-finished":
      return runLine(event.run, event.run.state);
    case "task-started":
      return `  ${event.dagId}.${event.taskId} try ${event.tryNumber} started (run ${event.runId})`;
    case "task-finished": {
      const why = event.error ? `: ${event.error}` : "";
      const retry = event.nextTryAt
        ? `; next try at ${time(event.nextTryAt)}`
        : "";
      return `  ${event.dagId}.${event.taskId} try ${event.tryNumber} ${event.state}${why}${retry}`;
    }
    case "task-lost":
      return (
        `  task ${event.taskId} of run ${event.runId}: worker ` +
        `${event.worker ?? "(unknown)"} stopped heart-beating; ` +
        (event.requeued ? "queued again" : "failed")
      );
    case "notified":
      return event.delivered
        ? `notified ${event.event} for run ${event.runId} of ${event.dagId}`
        : `could not notify ${event.event} for run ${event.runId}: ${event.error}`;
    case "dag-invalid":
      return `DAG ${event.dagId} is not scheduled: ${event.error}`;
    case "tick-failed":
      return `scheduler pass failed: ${event.error}`;
  }
}
