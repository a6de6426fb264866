/**
 * The live view of `backflow run`: an Ink table redrawn as run events
 * come, at most every `frameMs`, and every half second so that elapsed
 * times tick.
 */
import { render, type Instance } from "ink";
import { createElement } from "react";

import { setLogSink } from "../../core/util/log.ts";
import { RunProgressView } from "../dashboard/run-progress-view.tsx";
import { ColorContext, colorWanted } from "../dashboard/theme.tsx";
import type {
  LiveRunModel,
  RunProgress,
  RunProgressOptions,
} from "./run-progress.ts";

export function liveProgress(
  model: LiveRunModel,
  options: RunProgressOptions,
): RunProgress {
  const stream = options.stream ?? process.stderr;
  let ink: Instance | undefined;
  let timer: NodeJS.Timeout | undefined;

  // A log line written straight to the terminal would tear the frame Ink
  // redraws in place, so log lines go above it, as Ink's static output.
  const logged: string[] = [];
  const previousSink = setLogSink((line) => {
    logged.push(line);
    timer ??= setTimeout(draw, options.frameMs ?? 100);
  });

  const draw = () => {
    timer = undefined;
    if (!model.run) return;
    const view = createElement(
      ColorContext.Provider,
      { value: colorWanted() },
      createElement(RunProgressView, {
        run: model.run,
        now: new Date(),
        width: stream.columns || 80,
        log: [...logged],
      }),
    );
    if (ink) ink.rerender(view);
    else {
      ink = render(view, {
        stdout: stream,
        // A task's console output goes above the table too.
        patchConsole: true,
        exitOnCtrlC: false,
      });
    }
  };
  // The elapsed times tick even when no event comes.
  const ticker = setInterval(draw, 500);
  ticker.unref();
  draw();

  return {
    ready: Promise.resolve(),
    listener(event) {
      model.apply(event);
      if (event.type === "task-progress") {
        timer ??= setTimeout(draw, options.frameMs ?? 100);
      } else {
        clearTimeout(timer);
        draw();
      }
    },
    stop() {
      clearInterval(ticker);
      clearTimeout(timer);
      draw();
      ink?.unmount();
      setLogSink(previousSink);
    },
  };
}
