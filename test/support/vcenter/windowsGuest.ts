/**
 * A scripted Windows guest for the vCenter fake's guest processes: it reads what elm copied into
 * the guest and plays what Windows would do with it, deterministically.
 *
 *   fake.onGuestProcess('*', windowsGuest({ report: () => guestReport({}) }));
 *
 * What it understands:
 * - `cmd.exe /s /c ""powershell.exe" … -File "W.ps1" > "L.log" 2>&1"` (stdio redirection needs
 *   cmd.exe: "For Windows, no shell is used", Vcenter Vm Guest Processes CreateSpec.path): runs
 *   W.ps1 and writes what it prints to L.log. A wrapper that calls `& 'B.ps1'` runs B.ps1.
 * - `powershell.exe … -File "…\ShutdownForFinalize.ps1" -ReportPath "R"`: the probe, writing
 *   `report()` to R (and NGen done once -ExpediteNGen ran, when the test's report says so).
 * - The sweep at the top of elm's wrapper (Get-ChildItem … -Filter 'elm-step-*' | Where-Object
 *   { $_.Name -notlike 'OWN*' } | Remove-Item): those files are deleted.
 * - A script's own markers: `Write-Output 'text'` (or "text", with $env:NAME expanded from the
 *   process's environment) prints; `exit N` ends with N; `# fake-guest: runMs=N` makes it run N ms;
 *   `Restart-Computer` restarts the guest as the script ends (what an installer's 1641 does);
 *   a script reading LastBootUpTime prints the guest's boot time.
 * - The test may decide instead: `step(body, env)` returns the output and exit code.
 *
 * Rules of the platform kept here: environment_variables "define the complete set available to
 * the program" (same document), so a PowerShell started without SystemRoot in it fails as Windows
 * PowerShell does ("Loading managed Windows PowerShell failed with error 8009001d"); a -File that
 * does not exist exits -196608 with PowerShell's message.
 */
import type { GuestFilesView, GuestProcessHandler, GuestProcessInfo, GuestProcessResult } from './guestOps';

export interface StepOutcome {
  output?: string;
  exitCode?: number;
  runMs?: number;
  /** The step restarts Windows as it ends (Restart-Computer, an installer's 1641). */
  restartsWindows?: boolean;
}

export interface WindowsGuestOptions {
  /** What ShutdownForFinalize.ps1 reports; `expedited` is true once it ran with -ExpediteNGen. */
  report?: (args: { expedited: boolean }) => string;
  /** Decides a build step (the body elm uploaded) instead of its markers; undefined: the markers. */
  step?: (body: string, env: Record<string, string>, files: GuestFilesView) => StepOutcome | undefined | Promise<StepOutcome | undefined>;
}

const POWERSHELL_MISSING_SYSTEMROOT = 'Internal Windows PowerShell error.  Loading managed Windows PowerShell failed with error 8009001d.';

/** What a script prints and returns, from its own markers. */
export function runMarkers(body: string, env: Record<string, string>, bootTime: string): StepOutcome {
  if (/LastBootUpTime/.test(body)) return { output: bootTime, exitCode: 0 };
  const out: string[] = [];
  let exitCode = 0;
  let runMs = 0;
  let restartsWindows = false;
  const expand = (t: string) => t.replace(/\$env:([A-Za-z_][A-Za-z0-9_]*)/g, (_, n: string) => Object.entries(env).find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1] ?? '');
  for (const line of body.split(/\r?\n/)) {
    const fake = /^#\s*fake-guest:\s*runMs=(\d+)/.exec(line.trim());
    if (fake) runMs = Number(fake[1]);
    if (/^\s*Restart-Computer\b/i.test(line)) restartsWindows = true;
    const w = /^\s*Write-(?:Output|Host)\s+(?:'([^']*)'|"([^"]*)")\s*$/.exec(line);
    if (w) out.push(w[1] !== undefined ? w[1] : expand(w[2]));
    const x = /^\s*exit\s+(-?\d+)\s*$/.exec(line);
    if (x) {
      exitCode = Number(x[1]);
      break;
    }
  }
  return { output: out.join('\r\n'), exitCode, runMs, restartsWindows };
}

export function windowsGuest(opts: WindowsGuestOptions = {}): GuestProcessHandler {
  let expedited = false;
  return async (program: string, args: string, files: GuestFilesView, info: GuestProcessInfo): Promise<GuestProcessResult> => {
    const env = info.environment ?? info.systemEnvironment;
    const hasSystemRoot = Object.keys(env).some((k) => k.toLowerCase() === 'systemroot');
    if (/\\powershell\.exe$/i.test(program)) {
      if (!hasSystemRoot) return { exitCode: 1 };
      const file = /-File\s+"([^"]+)"/i.exec(args)?.[1];
      if (!file || !/ShutdownForFinalize\.ps1$/i.test(file) || !files.has(file)) return { exitCode: -196608 };
      if (/-ExpediteNGen/.test(args)) expedited = true;
      const reportPath = /-ReportPath\s+"([^"]+)"/.exec(args)?.[1];
      const report = opts.report?.({ expedited }) ?? '';
      return { exitCode: 0, writeFiles: reportPath ? { [reportPath]: report } : {} };
    }
    if (!/\\cmd\.exe$/i.test(program)) return { notFound: !files.has(program), exitCode: 1 };
    // cmd.exe /s /c ""<powershell>" <args> -File "<wrapper>" > "<log>" 2>&1"
    const m = /^\/s \/c ""([^"]+powershell\.exe)" (.*?)-File "([^"]+)" > "([^"]+)" 2>&1"$/i.exec(args);
    if (!m) return { exitCode: 1 };
    const [, , , wrapperPath, logPath] = m;
    // The wrapper's last act before `exit`: `Set-Content -LiteralPath 'X.exit' -Value $elmCode`.
    const exitPath = /^Set-Content -LiteralPath '((?:[^']|'')+)' -Value \$elmCode/m.exec(files.text(wrapperPath) ?? '')?.[1]?.replace(/''/g, "'");
    const log = (text: string, exitCode: number, runMs = 0, rebootAfter = false): GuestProcessResult => ({
      exitCode,
      runMs,
      rebootAfter,
      writeFiles: { [logPath]: text, ...(exitPath ? { [exitPath]: String(exitCode) } : {}) },
    });
    if (!hasSystemRoot) return { exitCode: 1, writeFiles: { [logPath]: POWERSHELL_MISSING_SYSTEMROOT } }; // the wrapper never ran
    const wrapper = files.text(wrapperPath);
    if (wrapper === undefined) return log(`The argument '${wrapperPath}' to the -File parameter does not exist. Provide the path to an existing '.ps1' file as an argument to the -File parameter.`, -196608);
    // The sweep elm's wrapper starts with: `Get-ChildItem -Path 'DIR' -Filter 'P*' | Where-Object { $_.Name -notlike 'OWN*' } | Remove-Item`.
    const sweep = /^Get-ChildItem -Path '([^']+)' -Filter '([^'*]+)\*' \| Where-Object \{ \$_\.Name -notlike '([^'*]+)\*' \} \| Remove-Item/m.exec(wrapper);
    if (sweep) {
      const [, dir, prefix, own] = sweep;
      for (const f of files.list()) {
        const name = f.slice(f.lastIndexOf('\\') + 1);
        const inDir = f.slice(0, f.lastIndexOf('\\')).toLowerCase() === dir.toLowerCase();
        if (inDir && name.toLowerCase().startsWith(prefix.toLowerCase()) && !name.toLowerCase().startsWith(own.toLowerCase())) files.delete(f);
      }
    }
    const called = /^try \{ & '((?:[^']|'')+)'/m.exec(wrapper)?.[1]?.replace(/''/g, "'");
    const body = called !== undefined ? files.text(called) : wrapper;
    if (body === undefined) return log(`The term '${called}' is not recognized as the name of a cmdlet, function, script file, or operable program.`, 1);
    const decided = /LastBootUpTime/.test(body) ? undefined : await opts.step?.(body, env, files);
    const r = decided ?? runMarkers(body, env, info.bootTime);
    return log(r.output ?? '', r.exitCode ?? 0, r.runMs ?? 0, r.restartsWindows ?? false);
  };
}
