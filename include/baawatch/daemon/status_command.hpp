#pragma once
// `baawatch status [-c CONFIG] [--state-dir DIR] [--json]`: the running daemon's state, from the
// status file it keeps in its state directory (daemon/status_file.hpp): whether it runs, since
// when, packets and drops, alerts today by service, sink backlog and spools, in plain words.
// Exit status: 0 it runs; 1 it does not (stopped, its process gone, or no status file: it never
// ran live with this state directory) or the file cannot be read; 2 usage or configuration error.
namespace baawatch::daemon {

// argv[0] is "status".
int runStatusCommand(int argc, char** argv);

}  // namespace baawatch::daemon
