#pragma once
// `baawatch report LOG... [--from DATE] [--to DATE] [--out DIR]`: the auditor's report from
// JSON-lines logs (docs/report.md). argv[0] is "report". Returns the process exit status:
// 0 written, 1 a file could not be read or written, 2 bad arguments.
namespace baawatch::daemon {

int runReportCommand(int argc, char** argv);

}  // namespace baawatch::daemon
