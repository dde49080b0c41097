// SMTP submission (RFC 5321, RFC 6409) with STARTTLS (RFC 3207) and AUTH PLAIN (RFC 4616) or
// LOGIN, one connection per mail: a sensor sends a few mails an hour, and a fresh connection
// leaves no half-dead session to detect.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "mail_message.hpp"
#include "mail_transport.hpp"
#include "tcp_connect.hpp"
#include "tls_session.hpp"

namespace baawatch::sink {
namespace {

using Clock = MailTransport::Clock;

// A reply is bounded: a server that talks without end is not waited for.
constexpr std::size_t kMaxReplyBytes = 64 * 1024;

struct Reply {
  int code = 0;  // 0: no reply (the error says why)
  std::vector<std::string> lines;  // the text after "NNN-" / "NNN "
  std::string first() const { return lines.empty() ? std::string() : lines.front(); }
};

bool waitReady(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd waiting{fd, events, 0};
    int ready = ::poll(&waiting, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

// The conversation over one connection: plain until STARTTLS, then over the TLS session.
class SmtpConnection {
 public:
  explicit SmtpConnection(UniqueFd fd) : fd_(std::move(fd)) {}
  ~SmtpConnection() {
    if (tls_) tls_->close();
  }

  bool send(std::string_view bytes, Clock::time_point deadline, std::string& error) {
    if (tls_) return tls_->write(bytes, deadline, error);
    while (!bytes.empty()) {
      ssize_t put = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (put > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(put));
        continue;
      }
      if (put < 0 && errno == EINTR) continue;
      if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
          waitReady(fd_.get(), POLLOUT, deadline)) {
        continue;
      }
      error = put < 0 && errno != EAGAIN ? std::strerror(errno) : "timed out sending";
      return false;
    }
    return true;
  }

  // One whole reply, all its lines (RFC 5321 §4.2.1).
  Reply read(Clock::time_point deadline, std::string& error) {
    Reply reply;
    std::size_t used = 0;
    for (;;) {
      std::size_t end = buffer_.find("\r\n");
      if (end == std::string::npos) {
        if (buffer_.size() + used > kMaxReplyBytes) {
          error = "the server's reply is too long";
          return {};
        }
        if (!fill(deadline, error)) return {};
        continue;
      }
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      used += end + 2;
      if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
          !std::isdigit(static_cast<unsigned char>(line[1])) ||
          !std::isdigit(static_cast<unsigned char>(line[2])) ||
          (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
        error = "not an SMTP reply: " + plainText(line.substr(0, 80));
        return {};
      }
      int code = std::stoi(line.substr(0, 3));
      if (reply.code != 0 && code != reply.code) {
        error = "an SMTP reply changed its code midway";
        return {};
      }
      reply.code = code;
      reply.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
      if (line.size() == 3 || line[3] == ' ') return reply;
    }
  }

  bool startTls(const TlsClientContext& context, const std::string& name,
                Clock::time_point deadline, std::string& error) {
    auto session = TlsSession::handshake(context, fd_.get(), name, deadline);
    if (!session) {
      error = session.error();
      return false;
    }
    tls_.emplace(std::move(*session));
    return true;
  }

  // Bytes the server sent that no reply has taken yet.
  bool hasUnreadInput() const { return !buffer_.empty(); }

 private:
  bool fill(Clock::time_point deadline, std::string& error) {
    char chunk[4096];
    if (tls_) {
      std::size_t got = tls_->read(chunk, sizeof chunk, deadline, error);
      if (got == 0) return false;
      buffer_.append(chunk, got);
      return true;
    }
    for (;;) {
      ssize_t got = ::recv(fd_.get(), chunk, sizeof chunk, 0);
      if (got > 0) {
        buffer_.append(chunk, static_cast<std::size_t>(got));
        return true;
      }
      if (got == 0) {
        error = "the server closed the connection";
        return false;
      }
      if (errno == EINTR) continue;
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && waitReady(fd_.get(), POLLIN, deadline)) {
        continue;
      }
      error = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out waiting for the server"
                                                      : std::strerror(errno);
      return false;
    }
  }

  UniqueFd fd_;
  std::optional<TlsSession> tls_;
  std::string buffer_;
};

// EHLO's keywords ("STARTTLS", "AUTH PLAIN LOGIN"), upper case; the first line is the greeting.
std::vector<std::string> extensionsOf(const Reply& reply) {
  std::vector<std::string> keywords;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::string line = reply.lines[i];
    std::transform(line.begin(), line.end(), line.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    keywords.push_back(line);
  }
  return keywords;
}

bool hasExtension(const std::vector<std::string>& extensions, std::string_view keyword) {
  return std::any_of(extensions.begin(), extensions.end(), [&](const std::string& line) {
    return line == keyword || line.starts_with(std::string(keyword) + " ");
  });
}

bool offersAuth(const std::vector<std::string>& extensions, std::string_view mechanism) {
  for (const auto& line : extensions) {
    if (!line.starts_with("AUTH ")) continue;
    std::string_view rest = std::string_view(line).substr(5);
    while (!rest.empty()) {
      std::size_t space = rest.find(' ');
      if (rest.substr(0, space) == mechanism) return true;
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  }
  return false;
}

// EHLO takes a domain or an address literal (RFC 5321 §4.1.1.1).
std::string heloDomain(const std::string& name) {
  bool usable = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-';
  });
  return usable ? name : std::string("localhost");
}

std::string replyWords(const Reply& reply) {
  return fmt::format("{} {}", reply.code, plainText(reply.first().substr(0, 200)));
}

class SmtpTransport : public MailTransport {
 public:
  SmtpTransport(const SmtpOptions& options, std::string password, std::string heloName,
                std::optional<TlsClientContext> tls)
      : options_(options),
        password_(std::move(password)),
        heloName_(heloDomain(heloName)),
        tls_(std::move(tls)),
        name_(fmt::format("mail smtp {}:{}", options.host, options.port)) {}

  DeliveryResult deliver(const MailEnvelope& envelope, std::string_view message,
                         Clock::time_point deadline) override {
    auto transient = [&](std::string what) {
      return DeliveryResult{DeliveryOutcome::kTransient, name_ + ": " + what};
    };
    auto refused = [&](std::string what) {
      return DeliveryResult{DeliveryOutcome::kRejected, name_ + ": " + what};
    };
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    std::string error;
    UniqueFd fd = connectTcp(options_.host, options_.port,
                             static_cast<int>(std::clamp<long long>(left.count(), 1, 10000)), error);
    if (!fd.valid()) return transient("cannot connect: " + error);
    SmtpConnection connection(std::move(fd));
    auto command = [&](const std::string& line) -> Reply {
      if (!connection.send(line + "\r\n", deadline, error)) return {};
      return connection.read(deadline, error);
    };
    auto failed = [&](std::string_view step, const Reply& reply) {
      return reply.code == 0 ? fmt::format("{}: {}", step, error)
                             : fmt::format("{}: {}", step, replyWords(reply));
    };

    Reply greeting = connection.read(deadline, error);
    if (greeting.code != 220) return transient(failed("greeting", greeting));
    Reply hello = command("EHLO " + heloName_);
    if (hello.code != 250) return transient(failed("EHLO", hello));
    std::vector<std::string> extensions = extensionsOf(hello);

    if (options_.startTls == StartTls::kRequired) {
      if (!hasExtension(extensions, "STARTTLS")) {
        return transient("the server does not offer STARTTLS (starttls: required); nothing is "
                         "sent without TLS");
      }
      Reply ready = command("STARTTLS");
      if (ready.code != 220) return transient(failed("STARTTLS", ready));
      // RFC 3207 §4.2 (and the command-injection attacks of CVE-2011-0411): anything the server
      // sent before the handshake is not to be believed afterwards.
      if (connection.hasUnreadInput()) {
        return transient("the server sent more after its STARTTLS answer; refused");
      }
      const std::string& expected =
          options_.serverName.empty() ? options_.host : options_.serverName;
      if (!connection.startTls(*tls_, expected, deadline, error)) return transient(error);
      // The extensions said before TLS are forgotten (RFC 3207 §4.2): ask again.
      hello = command("EHLO " + heloName_);
      if (hello.code != 250) return transient(failed("EHLO after STARTTLS", hello));
      extensions = extensionsOf(hello);
    }

    if (!options_.username.empty()) {
      Reply done;
      if (offersAuth(extensions, "PLAIN")) {
        std::string credentials = std::string(1, '\0') + options_.username + '\0' + password_;
        done = command("AUTH PLAIN " + base64Encode(credentials));
      } else if (offersAuth(extensions, "LOGIN")) {
        Reply step = command("AUTH LOGIN");
        if (step.code == 334) step = command(base64Encode(options_.username));
        done = step.code == 334 ? command(base64Encode(password_)) : step;
      } else {
        return transient("the server offers neither AUTH PLAIN nor AUTH LOGIN");
      }
      // Credentials the server refuses are a configuration to fix, not a reason to drop mail.
      if (done.code != 235) return transient(failed("authentication", done));
    }

    Reply from = command("MAIL FROM:<" + envelope.from + ">");
    if (from.code / 100 == 5) return refused(failed("MAIL FROM", from));
    if (from.code != 250) return transient(failed("MAIL FROM", from));
    std::vector<std::string> refusedRecipients;
    std::size_t accepted = 0;
    for (const auto& recipient : envelope.to) {
      Reply to = command("RCPT TO:<" + recipient + ">");
      if (to.code == 250 || to.code == 251) {
        ++accepted;
      } else if (to.code / 100 == 5) {
        refusedRecipients.push_back(recipient + " (" + replyWords(to) + ")");
      } else {
        // Not now for one recipient: the whole mail waits, so nobody gets it twice.
        command("RSET");
        return transient(failed("RCPT TO " + recipient, to));
      }
    }
    std::string refusedWords;
    for (const auto& item : refusedRecipients) refusedWords += (refusedWords.empty() ? "" : ", ") + item;
    if (accepted == 0) return refused("every recipient was refused: " + refusedWords);
    Reply data = command("DATA");
    if (data.code / 100 == 5) return refused(failed("DATA", data));
    if (data.code != 354) return transient(failed("DATA", data));
    if (!connection.send(dotStuffed(message), deadline, error)) {
      return transient("sending the message: " + error);
    }
    Reply taken = connection.read(deadline, error);
    if (taken.code / 100 == 5) return refused(failed("end of data", taken));
    if (taken.code != 250) return transient(failed("end of data", taken));
    // QUIT is a courtesy: the mail is the server's now, so its answer is not waited for long.
    auto quitDeadline = std::min(deadline, Clock::now() + std::chrono::seconds(1));
    if (connection.send("QUIT\r\n", quitDeadline, error)) connection.read(quitDeadline, error);
    return DeliveryResult{DeliveryOutcome::kSent,
                          refusedWords.empty() ? std::string()
                                               : name_ + ": recipients refused: " + refusedWords};
  }

 private:
  const SmtpOptions options_;
  const std::string password_;
  const std::string heloName_;
  std::optional<TlsClientContext> tls_;
  const std::string name_;
};

}  // namespace

std::string dotStuffed(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 8);
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = message.find("\r\n", start);
    std::string_view line = message.substr(start, end == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : end - start);
    if (!line.empty() && line.front() == '.') out += '.';
    out += line;
    out += "\r\n";
    if (end == std::string_view::npos) break;
    start = end + 2;
  }
  out += ".\r\n";
  return out;
}

Expected<std::unique_ptr<MailTransport>, std::string> openSmtpTransport(const SmtpOptions& options,
                                                                        std::string password,
                                                                        std::string heloName) {
  std::optional<TlsClientContext> tls;
  if (options.startTls == StartTls::kRequired) {
    auto context = TlsClientContext::create(TlsClientFiles{options.caFile, {}, {}});
    if (!context) return unexpected(context.error().option + ": " + context.error().message);
    tls.emplace(std::move(*context));
  }
  return std::unique_ptr<MailTransport>(
      new SmtpTransport(options, std::move(password), std::move(heloName), std::move(tls)));
}

}  // namespace baawatch::sink
