#include "baawatch/sink/email_sink.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "baawatch/common/thread_name.hpp"
#include "baawatch/sink/disk_spool.hpp"
#include "mail_message.hpp"
#include "mail_transport.hpp"
#include "tls_session.hpp"

namespace baawatch::sink {
namespace {

using Clock = MailTransport::Clock;

constexpr std::string_view kSpoolMagic = "baawatch-mail 1\n";

Timestamp wallClockNow() {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return {std::chrono::duration_cast<std::chrono::microseconds>(since).count()};
}

Clock::duration seconds(double value) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(value));
}

// A spooled mail keeps its envelope: recipients changed in the config apply to new mails, and a
// mail already written says whom it was for.
std::string spoolRecord(const MailEnvelope& envelope, std::string_view message) {
  std::string record(kSpoolMagic);
  record += "from " + envelope.from + "\n";
  for (const auto& address : envelope.to) record += "to " + address + "\n";
  record += "\n";
  record += message;
  return record;
}

std::optional<std::pair<MailEnvelope, std::string_view>> parseSpoolRecord(std::string_view record) {
  if (!record.starts_with(kSpoolMagic)) return std::nullopt;
  record.remove_prefix(kSpoolMagic.size());
  MailEnvelope envelope;
  for (;;) {
    std::size_t end = record.find('\n');
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view line = record.substr(0, end);
    record.remove_prefix(end + 1);
    if (line.empty()) break;
    if (line.starts_with("from ")) {
      envelope.from = line.substr(5);
    } else if (line.starts_with("to ")) {
      envelope.to.emplace_back(line.substr(3));
    } else {
      return std::nullopt;
    }
  }
  if (envelope.from.empty() || envelope.to.empty()) return std::nullopt;
  return std::make_pair(std::move(envelope), record);
}

// The password file's first line. Read at load (to refuse a bad file with its place) and at open.
Expected<std::string, std::string> readPasswordFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return unexpected("'" + path + "' cannot be read (" + std::strerror(errno) + ")");
  std::string password;
  std::getline(file, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return unexpected("'" + path + "' holds no password on its first line");
  return password;
}

// The Message-ID's right side: the sender's domain, a name the clinic controls.
std::string domainOf(const std::string& address) {
  auto at = address.rfind('@');
  std::string domain = at == std::string::npos ? std::string() : address.substr(at + 1);
  return domain.empty() ? std::string("localhost") : domain;
}

std::string_view toStringOrNone(const std::optional<policy::Severity>& severity) {
  return severity ? policy::toString(*severity) : std::string_view("none");
}

// Run as root before `user:` takes over (docs/gateway.md), what we create would stay root's and
// the switched process could not add to it (a mail moved aside): a folder or file made here
// takes the owner of the folder it is made in, which the operator gave to that user.
void takeParentOwner(const std::string& path) {
  if (::geteuid() != 0) return;
  struct stat parent {};
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (::stat(folder.empty() ? "." : folder.c_str(), &parent) != 0) return;
  if (::chown(path.c_str(), parent.st_uid, parent.st_gid) != 0) {
    // Best effort: root keeps it, which only matters after a switch of user.
  }
}

// "1 mail waits", "3 mails wait".
std::string mailsWait(std::uint64_t count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

Microseconds periodLength(DigestPeriod period) {
  constexpr Microseconds kHour = 3600LL * 1'000'000;
  return period == DigestPeriod::kHourly ? kHour : 24 * kHour;
}

}  // namespace

struct EmailSink::State {
  State(EmailOptions givenOptions, EmailLog givenLog, WallClock givenClock,
        std::unique_ptr<MailTransport> givenTransport, DiskSpool givenSpool)
      : options(std::move(givenOptions)),
        log(std::move(givenLog)),
        clock(std::move(givenClock)),
        transport(std::move(givenTransport)),
        name(describeEmailDestination(options)),
        envelope{options.from, options.to},
        context{options.sensor, options.logPath,
                options.immediateSeverity
                    ? std::string(policy::toString(*options.immediateSeverity))
                    : std::string("none")},
        spool(std::move(givenSpool)),
        backoff(options.retryBackoffSeconds) {}

  void say(const std::string& line) const {
    if (log) log(line);
  }

  // Writer thread (and the destructor, after it): builds a mail and appends it to the spool.
  void enqueue(std::string_view kind, const MailText& text);
  void closeDigest(Timestamp end, bool stoppedEarly);
  void checkDigest();
  // Delivery thread.
  void run();
  void settle(const DeliveryResult& result, const std::string& record);
  void moveAside(const std::string& record);
  void scheduleRetry();
  void notePending() {
    spoolPending.store(spool.pendingRecords(), std::memory_order_relaxed);
  }

  const EmailOptions options;
  const EmailLog log;
  const WallClock clock;
  const std::unique_ptr<MailTransport> transport;
  const std::string name;
  const MailEnvelope envelope;
  const MailContext context;

  // Writer thread only.
  DigestBook book;
  Timestamp periodStart;
  Timestamp periodEnd;
  std::uint64_t sequence = 0;

  // Shared with the delivery thread, under mutex.
  std::mutex mutex;
  std::condition_variable wake;     // mail queued, stop asked
  std::condition_variable drained;  // the spool ran empty
  DiskSpool spool;
  bool stopping = false;
  Clock::time_point stopDeadline{};
  bool failedWhileStopping = false;
  bool failing = false;              // the last try failed: new mails wait behind the others
  // The first this many mails of the spool had to wait (counted in email.spooled): the spool is
  // first in, first out, so one number says which.
  std::uint64_t countedWaiting = 0;

  // Delivery thread only (set before it starts).
  unsigned headRefusals = 0;   // times the server refused the mail at the spool's head
  double backoff;
  Clock::time_point nextAttempt{};
  std::string lastFailure;     // logged once until it changes or a mail goes through
  std::uint64_t asideSequence = 0;

  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> retried{0};
  std::atomic<std::uint64_t> spooled{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> spoolOverflow{0};
  std::atomic<std::uint64_t> spoolPending{0};
  std::atomic<std::uint64_t> digests{0};
  std::atomic<std::uint64_t> immediate{0};

  std::thread thread;  // started last
};

std::string describeEmailDestination(const EmailOptions& options) {
  if (options.transport == MailTransportKind::kSendmail) {
    return "mail sendmail " + options.sendmailPath;
  }
  return fmt::format("mail smtp {}:{}", options.smtp.host, options.smtp.port);
}

std::optional<EmailOptionError> checkEmailFiles(const EmailOptions& options) {
  if (options.transport == MailTransportKind::kSendmail) {
    if (::access(options.sendmailPath.c_str(), X_OK) != 0) {
      return EmailOptionError{"sendmail_path", fmt::format("'{}' is not a program baawatch can run ({})",
                                                           options.sendmailPath, std::strerror(errno))};
    }
    return std::nullopt;
  }
  if (options.smtp.startTls == StartTls::kRequired) {
    if (auto error = checkTlsClientFiles(TlsClientFiles{options.smtp.caFile, {}, {}})) {
      return EmailOptionError{error->option, error->message};
    }
  }
  if (!options.smtp.username.empty()) {
    auto password = readPasswordFile(options.smtp.passwordFile);
    if (!password) return EmailOptionError{"password_file", password.error()};
  }
  return std::nullopt;
}

Expected<std::unique_ptr<EmailSink>, std::string> EmailSink::open(EmailOptions options,
                                                                  EmailLog log) {
  std::unique_ptr<MailTransport> transport;
  std::string name = describeEmailDestination(options);
  if (options.transport == MailTransportKind::kSendmail) {
    transport = openSendmailTransport(options.sendmailPath);
  } else {
    std::string password;
    if (!options.smtp.username.empty()) {
      auto read = readPasswordFile(options.smtp.passwordFile);
      if (!read) return unexpected(name + ": password_file: " + read.error());
      password = std::move(*read);
    }
    auto smtp = openSmtpTransport(options.smtp, std::move(password), options.heloName);
    if (!smtp) return unexpected(name + ": " + smtp.error());
    transport = std::move(*smtp);
  }
  return open(std::move(options), std::move(log), std::move(transport), wallClockNow);
}

Expected<std::unique_ptr<EmailSink>, std::string> EmailSink::open(
    EmailOptions options, EmailLog log, std::unique_ptr<MailTransport> transport,
    WallClock clock) {
  std::string name = describeEmailDestination(options);
  if (options.spoolDir.empty()) return unexpected(name + ": no spool folder");
  std::error_code error;
  std::string rejected = options.spoolDir + "/rejected";
  std::filesystem::create_directories(rejected, error);
  if (error) return unexpected(name + ": spool folder " + rejected + ": " + error.message());
  // The mails name devices and the clinic's staff phones: nobody else reads the spool.
  ::chmod(options.spoolDir.c_str(), 0700);
  ::chmod(rejected.c_str(), 0700);
  std::string spoolFile = options.spoolDir + "/mail.spool";
  auto spool = DiskSpool::open(spoolFile, options.spoolMaxBytes);
  if (!spool) return unexpected(name + ": spool " + spool.error());
  for (const std::string& made : {options.spoolDir, rejected, spoolFile, spoolFile + ".head"}) {
    takeParentOwner(made);
  }
  if (options.runId.empty()) options.runId = newRunId();
  if (!clock) clock = wallClockNow;
  auto state = std::make_unique<State>(std::move(options), std::move(log), std::move(clock),
                                       std::move(transport), std::move(*spool));
  State& kept = *state;
  kept.periodStart = kept.clock();
  kept.periodEnd = nextDigestBoundary(kept.periodStart, kept.options.digest);
  if (!kept.spool.empty()) {
    // Left by an earlier run, which counted them as spooled: their next try is a retry.
    kept.countedWaiting = kept.spool.pendingRecords();
    kept.say(fmt::format("{}: {} left in the spool by an earlier run sent first", kept.name,
                         mailsWait(kept.spool.pendingRecords(), "mail is", "mails are")));
  }
  kept.notePending();
  kept.thread = std::thread([&kept] {
    nameThisThread("bw-mail");
    // A sendmail that exits early makes our write to its pipe raise SIGPIPE: let it say EPIPE.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    kept.run();
  });
  return std::unique_ptr<EmailSink>(new EmailSink(std::move(state)));
}

EmailSink::EmailSink(std::unique_ptr<State> state) : state_(std::move(state)) {}

EmailSink::~EmailSink() {
  State& state = *state_;
  // The writer thread has ended (AsyncSink joins it before its targets go): what it gathered for
  // the digest is mailed now rather than lost with the process.
  state.closeDigest(state.clock(), true);
  {
    std::lock_guard lock(state.mutex);
    state.stopping = true;
    state.stopDeadline = Clock::now() + seconds(state.options.shutdownWaitSeconds);
  }
  state.wake.notify_all();
  state.thread.join();
  std::lock_guard lock(state.mutex);
  if (!state.spool.empty()) {
    state.say(fmt::format("{}: {} in the spool {} for the next start", state.name,
                          mailsWait(state.spool.pendingRecords(), "mail waits", "mails wait"),
                          state.spool.path()));
  }
}

void EmailSink::State::enqueue(std::string_view kind, const MailText& text) {
  MailHeaders headers;
  headers.from = options.from;
  headers.to = options.to;
  headers.messageId =
      fmt::format("baawatch.{}.{}@{}", options.runId, ++sequence, domainOf(options.from));
  headers.date = clock();
  headers.kind = std::string(kind);
  std::string record = spoolRecord(envelope, renderMail(headers, text));
  DiskSpool::PushResult result;
  {
    std::lock_guard lock(mutex);
    result = spool.push(record);
    if (result == DiskSpool::PushResult::kStored && failing) {
      ++countedWaiting;  // behind mails the server has not taken yet
      spooled.fetch_add(1, std::memory_order_relaxed);
    }
    notePending();
  }
  switch (result) {
    case DiskSpool::PushResult::kStored:
      (kind == "digest" ? digests : immediate).fetch_add(1, std::memory_order_relaxed);
      wake.notify_all();
      return;
    case DiskSpool::PushResult::kFull:
      spoolOverflow.fetch_add(1, std::memory_order_relaxed);
      say(fmt::format("{}: the spool is full ({} bytes): mail '{}' is lost (it is in the log)",
                      name, options.spoolMaxBytes, plainText(text.subject)));
      return;
    case DiskSpool::PushResult::kIoError: {
      spoolOverflow.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(mutex);
      say(fmt::format("{}: spool write failed ({}): mail '{}' is lost (it is in the log)", name,
                      spool.lastError(), plainText(text.subject)));
      return;
    }
  }
}

void EmailSink::State::closeDigest(Timestamp end, bool stoppedEarly) {
  if (!book.empty() || options.sendEmpty) {
    DigestSpan span{options.digest, periodStart, end, stoppedEarly};
    enqueue("digest", book.compose(span, context));
  }
  book = DigestBook();
}

void EmailSink::State::checkDigest() {
  Timestamp now = clock();
  if (now < periodEnd) return;
  // The boundary just passed (after a suspend, the latest of those passed): the digest ends there.
  Timestamp next = nextDigestBoundary(now, options.digest);
  Timestamp boundary{next.micros - periodLength(options.digest)};
  closeDigest(boundary, false);
  periodStart = boundary;
  periodEnd = next;
}

void EmailSink::write(const nlohmann::json& record) {
  State& state = *state_;
  auto type = record.find("event_type");
  if (type != record.end() && type->is_string()) {
    const std::string& name = type->get_ref<const std::string&>();
    if (name == "alert" || name == "visibility") {
      auto severity = record.find("severity");
      bool atOnce = state.options.immediateSeverity && severity != record.end() &&
                    severity->is_string() &&
                    severityAtLeast(severity->get_ref<const std::string&>(),
                                    *state.options.immediateSeverity);
      if (atOnce) {
        if (auto alert = readMailAlert(record)) {
          alert->mailedAtOnce = true;
          state.enqueue("alert", composeAlertMail(*alert, state.context));
        }
      }
      state.book.add(record, atOnce);
    } else if (name == "encounter") {
      state.book.add(record, false);
    }
  }
  state.checkDigest();
}

// Mails are in the spool the moment they are made: nothing to push out but a due digest.
void EmailSink::flush() { state_->checkDigest(); }

void EmailSink::idle() { state_->checkDigest(); }

void EmailSink::State::run() {
  std::unique_lock lock(mutex);
  for (;;) {
    if (spool.empty()) {
      drained.notify_all();
      if (stopping) return;
      wake.wait(lock, [this] { return stopping || !spool.empty(); });
      continue;
    }
    auto now = Clock::now();
    // At exit each pending mail gets one more try, until one fails or the wait is over.
    if (stopping && (failedWhileStopping || now >= stopDeadline)) return;
    if (!stopping && now < nextAttempt) {
      // A new mail does not jump the backoff: it waits behind the older ones, in order.
      wake.wait_until(lock, nextAttempt, [this] { return stopping; });
      continue;
    }
    std::optional<std::string> record = spool.front();
    if (!record) {
      say(name + ": " + spool.lastError());
      failed.fetch_add(1, std::memory_order_relaxed);
      if (stopping) return;
      scheduleRetry();
      continue;
    }
    bool retry = countedWaiting > 0;
    lock.unlock();
    DeliveryResult result;
    if (auto parsed = parseSpoolRecord(*record)) {
      if (retry) retried.fetch_add(1, std::memory_order_relaxed);
      auto deadline = Clock::now() + seconds(options.smtp.timeoutSeconds);
      result = transport->deliver(parsed->first, parsed->second, deadline);
    } else {
      result = {DeliveryOutcome::kRejected, name + ": a spool record that is not a mail"};
      headRefusals = options.maxRetries;  // no server can take it: aside at once
    }
    lock.lock();
    settle(result, *record);
  }
}

void EmailSink::State::scheduleRetry() {
  nextAttempt = Clock::now() + seconds(backoff);
  backoff = std::min(backoff * 2, options.maxBackoffSeconds);
}

void EmailSink::State::settle(const DeliveryResult& result, const std::string& record) {
  if (result.outcome == DeliveryOutcome::kSent) {
    spool.pop();
    if (countedWaiting > 0) --countedWaiting;
    sent.fetch_add(1, std::memory_order_relaxed);
    if (failing) {
      say(fmt::format("{}: delivering again; {} in the spool", name,
                      mailsWait(spool.pendingRecords(), "mail is still", "mails are still")));
    }
    if (!result.detail.empty()) say(result.detail);  // recipients the server refused
    failing = false;
    lastFailure.clear();
    headRefusals = 0;
    backoff = options.retryBackoffSeconds;
    nextAttempt = {};
    notePending();
    return;
  }
  failed.fetch_add(1, std::memory_order_relaxed);
  // Every mail in the spool now waits for the server, the one just tried included.
  spooled.fetch_add(spool.pendingRecords() - std::min(countedWaiting, spool.pendingRecords()),
                    std::memory_order_relaxed);
  countedWaiting = spool.pendingRecords();
  failing = true;
  if (stopping) failedWhileStopping = true;
  bool newReason = result.detail != lastFailure;
  lastFailure = result.detail;
  if (result.outcome == DeliveryOutcome::kRejected && ++headRefusals > options.maxRetries) {
    moveAside(record);
    spool.pop();
    --countedWaiting;
    rejected.fetch_add(1, std::memory_order_relaxed);
    headRefusals = 0;
    notePending();
    return;
  }
  scheduleRetry();
  if (newReason) {
    say(fmt::format("{}; {} in the spool, next try in {:.0f} s", result.detail,
                    mailsWait(spool.pendingRecords(), "mail waits", "mails wait"),
                    std::chrono::duration<double>(nextAttempt - Clock::now()).count()));
  }
  notePending();
}

void EmailSink::State::moveAside(const std::string& record) {
  // Refused for good: kept as a .eml a person can open (or hand to another mail program).
  std::string folder = options.spoolDir + "/rejected";
  std::error_code error;
  std::filesystem::create_directories(folder, error);  // made at open; gone since?
  auto parsed = parseSpoolRecord(record);
  std::string_view message = parsed ? parsed->second : std::string_view(record);
  std::string path = fmt::format("{}/{}-{}-{}.eml", folder, clock().micros / 1'000'000,
                                 options.runId, ++asideSequence);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  bool written = fd.valid();
  while (written && !message.empty()) {
    ssize_t put = ::write(fd.get(), message.data(), message.size());
    if (put < 0 && errno == EINTR) continue;
    written = put > 0;
    if (written) message.remove_prefix(static_cast<std::size_t>(put));
  }
  say(fmt::format("{}: {} (refused {} times); the mail is {}", name,
                  lastFailure.empty() ? std::string("refused") : lastFailure, headRefusals,
                  written ? "kept in " + path : "lost: cannot write " + path));
}

Counters EmailSink::counters() const {
  const State& state = *state_;
  Counters counters;
  counters.add("email.sent", state.sent.load(std::memory_order_relaxed));
  counters.add("email.failed", state.failed.load(std::memory_order_relaxed));
  counters.add("email.retried", state.retried.load(std::memory_order_relaxed));
  counters.add("email.spooled", state.spooled.load(std::memory_order_relaxed));
  counters.add("email.rejected", state.rejected.load(std::memory_order_relaxed));
  counters.add("email.spool_overflow", state.spoolOverflow.load(std::memory_order_relaxed));
  counters.add("email.spool_pending", state.spoolPending.load(std::memory_order_relaxed));
  counters.add("email.digests", state.digests.load(std::memory_order_relaxed));
  counters.add("email.immediate", state.immediate.load(std::memory_order_relaxed));
  return counters;
}

std::string EmailSink::describe() const {
  std::string to;
  for (const auto& address : state_->options.to) to += (to.empty() ? "" : ", ") + address;
  return fmt::format("{} to {} ({} digest, at once from severity {})", state_->name, to,
                     toString(state_->options.digest),
                     toStringOrNone(state_->options.immediateSeverity));
}

bool EmailSink::waitUntilDelivered(std::chrono::milliseconds limit) {
  State& state = *state_;
  std::unique_lock lock(state.mutex);
  return state.drained.wait_for(lock, limit, [&] { return state.spool.empty(); });
}

}  // namespace baawatch::sink
