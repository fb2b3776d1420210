#include "cli/client/engine_client.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <cstdint>
#include <limits>

#include "cli/client/dial.h"
#include "cli/client/errors.h"
#include "cli/client/http_stream.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli::client {
namespace http = boost::beast::http;
namespace {

constexpr size_t kReadChunk = 64 * 1024;

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string Target(const std::string& version, const Request& r) {
  std::string target = version.empty() ? r.path : "/v" + version + r.path;
  char sep = '?';
  for (const auto& [key, value] : r.query) {
    target += sep + UrlEncode(key) + "=" + UrlEncode(value);
    sep = '&';
  }
  return target;
}

std::string HostHeader(const Endpoint& e) {
  return e.kind == Endpoint::Kind::kUnix ? "berth" : fmt::format("{}:{}", e.host, e.port);
}

template <typename Fields>
Headers LowerHeaders(const Fields& fields) {
  Headers out;
  for (const auto& field : fields) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[name] = std::string(field.value());
  }
  return out;
}

// "1.41" < "1.43", part by part.
bool OlderVersion(std::string_view a, std::string_view b) {
  std::vector<std::string_view> pa = Split(a, '.'), pb = Split(b, '.');
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    uint64_t x = i < pa.size() ? ParseUint64(pa[i]).value_or(0) : 0;
    uint64_t y = i < pb.size() ? ParseUint64(pb[i]).value_or(0) : 0;
    if (x != y) return x < y;
  }
  return false;
}

// The daemon's error body: {"message": ...}, or the text itself.
absl::Status ErrorFromBody(int status, std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    return DaemonError(status, j["message"].get<std::string>());
  }
  std::string text(TrimSpace(body));
  if (text.empty()) text = fmt::format("the daemon answered HTTP {}", status);
  return DaemonError(status, text);
}

absl::Status ReadFailed(const boost::system::error_code& ec) {
  return absl::UnavailableError("reading the daemon's answer: " + ec.message());
}

class ParsedBodyStream : public BodyStream {
 public:
  ParsedBodyStream(std::unique_ptr<Connection> conn, boost::beast::flat_buffer buffer,
                   std::unique_ptr<http::response_parser<http::buffer_body>> parser)
      : conn_(std::move(conn)),
        stream_(*conn_),
        buffer_(std::move(buffer)),
        parser_(std::move(parser)),
        headers_(LowerHeaders(parser_->get())) {}

  int status() const override { return static_cast<int>(parser_->get().result_int()); }
  const Headers& headers() const override { return headers_; }

  absl::StatusOr<std::string> Read() override {
    std::string chunk(kReadChunk, '\0');
    while (!parser_->is_done()) {
      parser_->get().body().data = chunk.data();
      parser_->get().body().size = chunk.size();
      boost::system::error_code ec;
      // read_some: what has arrived now (a follow's next line), not a full buffer.
      http::read_some(stream_, buffer_, *parser_, ec);
      if (ec == http::error::need_buffer) ec = {};
      size_t n = chunk.size() - parser_->get().body().size;
      if (ec == boost::asio::error::eof || ec == http::error::partial_message) {
        // The daemon closed the stream (a follow ended with the container).
        chunk.resize(n);
        done_ = true;
        return chunk;
      }
      if (ec) return ReadFailed(ec);
      if (n > 0) {
        chunk.resize(n);
        return chunk;
      }
    }
    return std::string();
  }

  absl::StatusOr<std::optional<nlohmann::json>> NextJson() override {
    for (;;) {
      size_t nl = pending_.find('\n');
      if (nl != std::string::npos) {
        std::string line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        if (TrimSpace(line).empty()) continue;
        return Parse(line);
      }
      if (done_ || parser_->is_done()) {
        std::string rest = std::move(pending_);
        pending_.clear();
        if (TrimSpace(rest).empty()) return std::nullopt;
        return Parse(rest);
      }
      BERTH_ASSIGN_OR_RETURN(std::string more, Read());
      if (more.empty() && !done_ && parser_->is_done()) continue;
      pending_ += more;
    }
  }

  void Shutdown() override { conn_->Shutdown(); }

 private:
  static absl::StatusOr<std::optional<nlohmann::json>> Parse(const std::string& line) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      return absl::InternalError(fmt::format("the daemon sent a malformed message: {}", line));
    }
    return j;
  }

  std::unique_ptr<Connection> conn_;
  HttpStream stream_;
  boost::beast::flat_buffer buffer_;
  std::unique_ptr<http::response_parser<http::buffer_body>> parser_;
  Headers headers_;
  std::string pending_;
  bool done_ = false;
};

}  // namespace

EngineClient::EngineClient(Endpoint endpoint, Headers default_headers)
    : endpoint_(std::move(endpoint)), default_headers_(std::move(default_headers)) {}

absl::StatusOr<std::unique_ptr<Connection>> EngineClient::Dial() {
  absl::StatusOr<std::unique_ptr<Connection>> conn = DialEndpoint(endpoint_);
  if (!conn.ok()) {
    return absl::UnavailableError(
        fmt::format("Cannot connect to the Berth daemon at {}. Is the berth daemon running? ({})",
                    endpoint_.ToString(), conn.status()));
  }
  return conn;
}

namespace {

// Writes the request line, headers and (for a fixed body) the body.
absl::Status SendRequest(Connection& conn, const std::string& target, const Endpoint& endpoint,
                         const Headers& defaults, const Request& r, bool chunked) {
  std::string body = r.json ? r.json->dump() : r.body;
  std::string head =
      fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\n", r.method, target, HostHeader(endpoint));
  Headers headers = defaults;
  for (const auto& [k, v] : r.headers) headers[k] = v;
  if (!headers.contains("User-Agent")) headers["User-Agent"] = "Berth-Client (linux)";
  if (r.json) headers["Content-Type"] = "application/json";
  if (chunked) {
    headers["Transfer-Encoding"] = "chunked";
  } else if (!body.empty() || r.method == "POST" || r.method == "PUT") {
    headers["Content-Length"] = std::to_string(body.size());
  }
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  if (!chunked) head += body;
  absl::Status s = conn.WriteAll(head);
  if (!s.ok()) return absl::UnavailableError(fmt::format("sending the request: {}", s));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> EngineClient::ApiVersion() {
  if (api_version_) return *api_version_;
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Dial());
  Request ping{.method = "HEAD", .path = "/_ping"};
  BERTH_RETURN_IF_ERROR(SendRequest(*conn, "/_ping", endpoint_, default_headers_, ping, false));
  HttpStream stream(*conn);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // HEAD: no body follows whatever the length says
  boost::system::error_code ec;
  http::read(stream, buffer, parser, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("Cannot connect to the Berth daemon at {}. Is the berth daemon running? ({})",
                    endpoint_.ToString(), ec.message()));
  }
  std::string version = kApiVersion;
  if (auto it = parser.get().find("API-Version"); it != parser.get().end()) {
    std::string daemon(it->value());
    if (!daemon.empty() && OlderVersion(daemon, version)) version = daemon;
  }
  api_version_ = version;
  return version;
}

absl::StatusOr<Response> EngineClient::Do(const Request& request) {
  BERTH_ASSIGN_OR_RETURN(std::string version, ApiVersion());
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Dial());
  BERTH_RETURN_IF_ERROR(
      SendRequest(*conn, Target(version, request), endpoint_, default_headers_, request, false));
  HttpStream stream(*conn);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (request.method == "HEAD") parser.skip(true);
  boost::system::error_code ec;
  http::read(stream, buffer, parser, ec);
  if (ec) return ReadFailed(ec);
  Response response{.status = static_cast<int>(parser.get().result_int()),
                    .headers = LowerHeaders(parser.get()),
                    .body = std::move(parser.get().body())};
  if (response.status < 200 || response.status > 299) {
    return ErrorFromBody(response.status, response.body);
  }
  return response;
}

absl::StatusOr<nlohmann::json> EngineClient::DoJson(const Request& request) {
  BERTH_ASSIGN_OR_RETURN(Response response, Do(request));
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_discarded()) {
    return absl::InternalError(
        fmt::format("{} {}: the daemon's answer is not JSON", request.method, request.path));
  }
  return j;
}

absl::StatusOr<nlohmann::json> EngineClient::GetJson(const std::string& path, const Query& query) {
  return DoJson(Request{.method = "GET", .path = path, .query = query});
}

namespace {

absl::StatusOr<std::unique_ptr<BodyStream>> ReadStreamHeader(std::unique_ptr<Connection> conn) {
  boost::beast::flat_buffer buffer;
  auto parser = std::make_unique<http::response_parser<http::buffer_body>>();
  parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  boost::system::error_code ec;
  {
    HttpStream stream(*conn);
    http::read_header(stream, buffer, *parser, ec);
  }
  if (ec) return ReadFailed(ec);
  auto body =
      std::make_unique<ParsedBodyStream>(std::move(conn), std::move(buffer), std::move(parser));
  if (body->status() < 200 || body->status() > 299) {
    std::string text;
    for (;;) {
      absl::StatusOr<std::string> more = body->Read();
      if (!more.ok() || more->empty()) break;
      text += *more;
    }
    return ErrorFromBody(body->status(), text);
  }
  return body;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BodyStream>> EngineClient::Stream(const Request& request) {
  BERTH_ASSIGN_OR_RETURN(std::string version, ApiVersion());
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Dial());
  BERTH_RETURN_IF_ERROR(
      SendRequest(*conn, Target(version, request), endpoint_, default_headers_, request, false));
  return ReadStreamHeader(std::move(conn));
}

absl::StatusOr<std::unique_ptr<BodyStream>> EngineClient::StreamUpload(const Request& request,
                                                                       const BodyReader& reader) {
  BERTH_ASSIGN_OR_RETURN(std::string version, ApiVersion());
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Dial());
  BERTH_RETURN_IF_ERROR(
      SendRequest(*conn, Target(version, request), endpoint_, default_headers_, request, true));
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::string piece, reader());
    if (piece.empty()) break;
    absl::Status s = conn->WriteAll(fmt::format("{:x}\r\n", piece.size()) + piece + "\r\n");
    // The daemon may refuse mid-upload and answer at once: read its answer.
    if (!s.ok()) return ReadStreamHeader(std::move(conn));
  }
  absl::Status s = conn->WriteAll("0\r\n\r\n");
  (void)s;  // as above: the answer tells what went wrong
  return ReadStreamHeader(std::move(conn));
}

absl::StatusOr<std::unique_ptr<Connection>> EngineClient::Hijack(const Request& request) {
  BERTH_ASSIGN_OR_RETURN(std::string version, ApiVersion());
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Dial());
  Request upgraded = request;
  upgraded.headers["Connection"] = "Upgrade";
  upgraded.headers["Upgrade"] = "tcp";
  BERTH_RETURN_IF_ERROR(
      SendRequest(*conn, Target(version, upgraded), endpoint_, default_headers_, upgraded, false));
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  boost::system::error_code ec;
  HttpStream stream(*conn);
  http::read_header(stream, buffer, parser, ec);
  if (ec) return ReadFailed(ec);
  int status = static_cast<int>(parser.get().result_int());
  if (status != 101 && status != 200) {
    http::read(stream, buffer, parser, ec);  // the error body
    return ErrorFromBody(status, parser.get().body());
  }
  // What the parser read past the header is the container's stream.
  std::string rest(static_cast<const char*>(buffer.data().data()), buffer.size());
  return WithBufferedPrefix(std::move(conn), std::move(rest));
}

}  // namespace berth::cli::client
