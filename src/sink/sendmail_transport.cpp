// The local sendmail interface every Unix mail system provides (Postfix, Exim, OpenSMTPD,
// msmtp, nullmailer): `sendmail -t -oi` reads the message on its standard input, takes the
// recipients from its To: header (-t), and does not end it at a line holding only "." (-oi).
// Exit status 0 means the local mail system took the mail; from there it is that system's queue.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "baawatch/sink/disk_spool.hpp"
#include "mail_transport.hpp"

extern char** environ;

namespace baawatch::sink {
namespace {

using Clock = MailTransport::Clock;

// EX_TEMPFAIL (sysexits.h): "try again later", as every sendmail says when its queue is away.
constexpr int kExitTemporaryFailure = 75;

// The local form of the message: LF line ends, as a program's standard input carries text.
std::string withLocalLineEnds(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
    out.push_back(message[i]);
  }
  return out;
}

// A write to a pipe whose reader is gone raises SIGPIPE for this thread; the sink's delivery
// thread blocks it, so write(2) says EPIPE instead and the pending signal is taken off here.
void discardPendingSigpipe() {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  timespec now{0, 0};
  while (::sigtimedwait(&pipe, nullptr, &now) == SIGPIPE) {
  }
}

class SendmailTransport : public MailTransport {
 public:
  explicit SendmailTransport(std::string path)
      : path_(std::move(path)), name_("mail sendmail " + path_) {}

  DeliveryResult deliver(const MailEnvelope& /*envelope: the To: header says it (-t)*/,
                         std::string_view message, Clock::time_point deadline) override {
    auto transient = [&](std::string what) {
      return DeliveryResult{DeliveryOutcome::kTransient, name_ + ": " + what};
    };
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) return transient(std::string("pipe: ") + std::strerror(errno));
    UniqueFd reader(pipeFds[0]);
    UniqueFd writer(pipeFds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // Its standard input is the message; its standard output must not reach ours (the JSON
    // lines may be on stdout); its errors go to our log, stderr.
    posix_spawn_file_actions_adddup2(&actions, reader.get(), STDIN_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    std::string program = path_;
    char tFlag[] = "-t";
    char oiFlag[] = "-oi";
    char* argv[] = {program.data(), tFlag, oiFlag, nullptr};
    pid_t pid = -1;
    int spawned = ::posix_spawn(&pid, path_.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) return transient(std::string("cannot run it: ") + std::strerror(spawned));
    reader.reset();

    std::string text = withLocalLineEnds(message);
    std::string_view rest = text;
    std::string writeError;
    ::fcntl(writer.get(), F_SETFL, ::fcntl(writer.get(), F_GETFL) | O_NONBLOCK);
    while (!rest.empty()) {
      ssize_t put = ::write(writer.get(), rest.data(), rest.size());
      if (put > 0) {
        rest.remove_prefix(static_cast<std::size_t>(put));
        continue;
      }
      if (put < 0 && errno == EINTR) continue;
      if (put < 0 && errno == EAGAIN) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd waiting{writer.get(), POLLOUT, 0};
        if (left.count() > 0 &&
            ::poll(&waiting, 1, static_cast<int>(std::min<long long>(left.count(), 1000))) >= 0) {
          continue;
        }
        writeError = "timed out writing the message";
      } else {
        writeError = std::strerror(errno);
        if (errno == EPIPE) discardPendingSigpipe();
      }
      break;
    }
    writer.reset();  // end of the message

    int status = 0;
    for (;;) {
      pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) break;
      if (done < 0 && errno != EINTR) return transient(std::string("waitpid: ") + std::strerror(errno));
      if (Clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return transient("did not finish in time (killed)");
      }
      ::poll(nullptr, 0, 10);  // sendmail takes milliseconds; this is the wait for its exit
    }
    if (!writeError.empty()) return transient("writing the message: " + writeError);
    if (WIFSIGNALED(status)) {
      return transient(fmt::format("ended by signal {}", WTERMSIG(status)));
    }
    int code = WEXITSTATUS(status);
    if (code == 0) return {DeliveryOutcome::kSent, {}};
    std::string what = fmt::format("exit status {}", code);
    // 126/127: the program could not be run (being reinstalled?); 75: it says "later".
    if (code == kExitTemporaryFailure || code == 126 || code == 127) return transient(what);
    return {DeliveryOutcome::kRejected, name_ + ": " + what};
  }

 private:
  std::string path_;
  std::string name_;
};

}  // namespace

std::unique_ptr<MailTransport> openSendmailTransport(std::string path) {
  return std::make_unique<SendmailTransport>(std::move(path));
}

}  // namespace baawatch::sink
