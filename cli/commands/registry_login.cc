// berth login [SERVER]: the credentials checked by the daemon (POST /auth),
// then stored for the registry (its credential helper, else config.json,
// with docker's warning that they are unencrypted there). Stored
// credentials are tried first when no -u/-p is given; otherwise, on a
// terminal, the user is asked.
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "absl/cleanup/cleanup.h"
#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/image_util.h"
#include "cli/commands/registry_commands.h"
#include "cli/config/credentials.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

constexpr char kRegisterSuggest[] =
    "Log in with your Docker ID or email address to push and pull images from Docker Hub. If you "
    "don't have a Docker ID, head over to https://hub.docker.com/ to create one.";
constexpr char kUnencryptedWarning[] =
    "\nWARNING! Your credentials are stored unencrypted in '%s'.\nConfigure a credential helper "
    "to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n";

struct LoginOptions {
  std::string server;
  std::string user;
  std::string password;
  bool password_stdin = false;
  CLI::Option* user_flag = nullptr;
  CLI::Option* password_flag = nullptr;
  CLI::Option* password_stdin_flag = nullptr;
};

// docker's verifyLoginFlags and verifyLoginOptions.
absl::Status VerifyOptions(LoginOptions& o, Cli& cli) {
  bool user_given = o.user_flag->count() > 0;
  bool password_given = o.password_flag->count() > 0;
  if (o.password_stdin_flag->count() > 0) {
    if (password_given) {
      return absl::InvalidArgumentError(
          "conflicting options: cannot specify both --password and --password-stdin");
    }
    if (!user_given) {
      return absl::InvalidArgumentError(
          "the --password-stdin option requires --username to be set");
    }
  }
  if (user_given && o.user.empty()) return absl::InvalidArgumentError("username is empty");
  if (password_given && o.password.empty()) return absl::InvalidArgumentError("password is empty");
  if (!o.password.empty()) {
    std::fprintf(cli.err(),
                 "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  }
  if (o.password_stdin) {
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (all.ends_with("\n")) all.pop_back();
    if (all.ends_with("\r")) all.pop_back();
    o.password = std::move(all);
  }
  return absl::OkStatus();
}

// prompt.ReadInput: the prompt on stdout, one line from stdin, trimmed.
absl::StatusOr<std::string> ReadInput(Cli& cli, const std::string& prompt) {
  std::fputs(prompt.c_str(), cli.out());
  std::fflush(cli.out());
  std::string line;
  if (!std::getline(std::cin, line)) return absl::CancelledError("error: EOF");
  return std::string(TrimSpace(line));
}

// ReadInput with the terminal's echo off.
absl::StatusOr<std::string> ReadSecret(Cli& cli, const std::string& prompt) {
  struct termios saved {};
  bool restore = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    struct termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ICANON;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &quiet) != 0) return ErrnoErrorf(errno, "tcsetattr");
  }
  absl::Cleanup echo_back = [&] {
    if (restore) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  };
  absl::StatusOr<std::string> secret = ReadInput(cli, prompt);
  std::fputs("\n", cli.out());
  return secret;
}

// command.PromptUserForCredentials.
absl::StatusOr<config::AuthConfig> PromptForCredentials(Cli& cli, std::string user,
                                                        std::string password,
                                                        const std::string& default_user,
                                                        const std::string& server) {
  user = std::string(TrimSpace(user));
  if (user.empty()) {
    if (server == config::kIndexServer) std::fprintf(cli.out(), "%s\n", kRegisterSuggest);
    std::string prompt = default_user.empty() ? "Username: " : "Username (" + default_user + "): ";
    BERTH_ASSIGN_OR_RETURN(user, ReadInput(cli, prompt));
    if (user.empty()) user = default_user;
    if (user.empty()) return absl::InvalidArgumentError("Error: Non-null Username Required");
  }
  password = std::string(TrimSpace(password));
  if (password.empty()) {
    BERTH_ASSIGN_OR_RETURN(password, ReadSecret(cli, "Password: "));
    if (password.empty()) return absl::InvalidArgumentError("Error: Password Required");
  }
  return config::AuthConfig{.username = user, .password = password, .server_address = server};
}

struct LoginAnswer {
  std::string status;
  std::string identity_token;
};

// POST /auth: the daemon checks the credentials with the registry.
absl::StatusOr<LoginAnswer> RegistryLogin(Cli& cli, const config::AuthConfig& auth) {
  BERTH_ASSIGN_OR_RETURN(client::EngineClient * api, cli.Client());
  nlohmann::json body = nlohmann::json::object();
  if (!auth.username.empty()) body["username"] = auth.username;
  if (!auth.password.empty()) body["password"] = auth.password;
  if (!auth.server_address.empty()) body["serveraddress"] = auth.server_address;
  if (!auth.identity_token.empty()) body["identitytoken"] = auth.identity_token;
  BERTH_ASSIGN_OR_RETURN(nlohmann::json answer,
                         api->DoJson({.method = "POST", .path = "/auth", .json = body}));
  LoginAnswer out;
  if (answer.is_object()) {
    out.status = answer.value("Status", "");
    out.identity_token = answer.value("IdentityToken", "");
  }
  return out;
}

absl::Status Store(Cli& cli, config::ConfigFile& file, config::AuthConfig auth,
                   const LoginAnswer& answer) {
  if (!answer.identity_token.empty()) {
    auth.password.clear();
    auth.identity_token = answer.identity_token;
  }
  bool in_file = config::CredentialHelperFor(file, auth.server_address).empty();
  bool unchanged = false;
  if (in_file) {
    auto it = file.auths().find(config::RegistryKey(auth.server_address));
    unchanged = it != file.auths().end() && it->second.username == auth.username &&
                it->second.password == auth.password &&
                it->second.identity_token == auth.identity_token;
  }
  absl::Status stored = config::StoreCredentials(&file, auth);
  if (!stored.ok()) {
    return absl::Status(stored.code(),
                        "Error saving credentials: " + std::string(stored.message()));
  }
  if (in_file && !unchanged && !auth.password.empty()) {
    std::fflush(cli.out());
    std::fprintf(cli.err(), kUnencryptedWarning, file.path().c_str());
  }
  return absl::OkStatus();
}

absl::Status RunLogin(LoginOptions& o, Cli& cli) {
  BERTH_RETURN_IF_ERROR(VerifyOptions(o, cli));
  std::string server =
      o.server.empty() || o.server == "docker.io" ? config::kIndexServer : o.server;
  bool is_default = server == config::kIndexServer;
  if (!is_default) server = config::ConvertToHostname(server);
  BERTH_ASSIGN_OR_RETURN(config::ConfigFile file, LoadConfig(cli));

  // The stored credentials first, unless new ones were given.
  config::AuthConfig stored{.server_address = server};
  if (o.user.empty() && o.password.empty()) {
    absl::StatusOr<config::AuthConfig> got = config::GetCredentials(file, server);
    if (got.ok()) {
      stored = *got;
      stored.identity_token.clear();
    }
    stored.server_address = server;
  }
  if (!stored.username.empty() && !stored.password.empty()) {
    std::fprintf(cli.err(), "Authenticating with existing credentials... [Username: %s]\n",
                 stored.username.c_str());
    PrintNote(cli.err(),
              "To login with a different account, run 'berth logout' followed by 'berth login'");
    std::fprintf(cli.err(), "\n\n");
    absl::StatusOr<LoginAnswer> answer = RegistryLogin(cli, stored);
    if (answer.ok()) {
      BERTH_RETURN_IF_ERROR(Store(cli, file, stored, *answer));
      if (!answer->status.empty()) std::fprintf(cli.out(), "%s\n", answer->status.c_str());
      return absl::OkStatus();
    }
    if (answer.status().code() == absl::StatusCode::kUnauthenticated ||
        answer.status().code() == absl::StatusCode::kPermissionDenied) {
      std::fprintf(cli.err(), "Stored credentials invalid or expired\n");
    } else {
      std::fprintf(cli.err(), "Login did not succeed, error: %s\n",
                   client::ErrorLine(answer.status()).c_str());
    }
  }

  // New credentials: from the flags, or asked for on a terminal.
  if ((o.user.empty() || o.password.empty()) && !cli.in_is_terminal()) {
    return absl::FailedPreconditionError(
        "Error: Cannot perform an interactive login from a non TTY device");
  }
  BERTH_ASSIGN_OR_RETURN(config::AuthConfig auth,
                         PromptForCredentials(cli, o.user, o.password, stored.username, server));
  BERTH_ASSIGN_OR_RETURN(LoginAnswer answer, RegistryLogin(cli, auth));
  BERTH_RETURN_IF_ERROR(Store(cli, file, auth, answer));
  if (!answer.status.empty()) std::fprintf(cli.out(), "%s\n", answer.status.c_str());
  return absl::OkStatus();
}

int Login(LoginOptions& o, Cli& cli) {
  absl::Status s = RunLogin(o, cli);
  return s.ok() ? 0 : cli.Fail(s);
}

}  // namespace

CLI::App* AddLoginCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<LoginOptions>();
  CLI::App* sub =
      AddCommand<LoginOptions>(parent, cli, "login", "Authenticate to a registry", o, Login);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("server", o->server, "SERVER (default Docker Hub)");
  o->user_flag = sub->add_option("-u,--username", o->user, "Username");
  o->password_flag =
      sub->add_option("-p,--password", o->password, "Password or Personal Access Token (PAT)");
  o->password_stdin_flag =
      sub->add_flag("--password-stdin", o->password_stdin,
                    "Take the Password or Personal Access Token (PAT) from stdin");
  return sub;
}

}  // namespace berth::cli
