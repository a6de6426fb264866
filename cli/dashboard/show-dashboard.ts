/**
 * Runs the dashboard on this process's terminal until `q` (or Ctrl+C), on
 * the alternate screen so that the shell's scrollback stays as it was.
 */
import { render } from "ink";
import { createElement } from "react";

import { DashboardApp, type DashboardAppProps } from "./dashboard-app.tsx";
import { ColorContext, colorWanted } from "./theme.tsx";

const ENTER_SCREEN = "\x1b[?1049h";
const LEAVE_SCREEN = "\x1b[?1049l";

export async function showDashboard(props: DashboardAppProps): Promise<void> {
  process.stdout.write(ENTER_SCREEN);
  try {
    const app = render(
      createElement(
        ColorContext.Provider,
        { value: colorWanted() },
        createElement(DashboardApp, props),
      ),
      { patchConsole: false },
    );
    await app.waitUntilExit();
  } finally {
    process.stdout.write(LEAVE_SCREEN);
  }
}
