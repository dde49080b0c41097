#pragma once
// `baawatch report LOG... [--from DATE] [--to DATE] [--out DIR] [--dispositions FILE] [--owners FILE]`: the auditor's report from
// JSON-lines logs (docs/report.md). argv[0] is "report". Returns the process exit status:
// 0 written, 1 a file could not be read or written, 2 bad arguments.
namespace baawatch::daemon {

int runReportCommand(int argc, char** argv);

// `baawatch review ENCOUNTER --dispositions FILE --reviewer NAME --decision low_probability|breach
// --reasons TEXT [--date DAY] [--discovered DAY]`: appends one decision to the dispositions file
// the report reads (docs/report.md). 0 recorded, 1 the file is not a dispositions file or cannot
// be written, 2 bad arguments.
int runReviewCommand(int argc, char** argv);

}  // namespace baawatch::daemon
