#include "containerd/core/registry/certs.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <system_error>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::containerd::registry {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

// A password callback that has none: an encrypted key fails to load
// instead of OpenSSL prompting on the daemon's terminal.
int NoPassword(char*, int, int, void*) { return -1; }

// The reason of OpenSSL's last error ("bad base64 decode"), and clears
// the queue.
std::string OpenSslReason() {
  unsigned long err = ERR_peek_last_error();
  const char* reason = err != 0 ? ERR_reason_error_string(err) : nullptr;
  std::string out = reason != nullptr ? reason : "unknown error";
  ERR_clear_error();
  return out;
}

Bio MemBio(const std::string& data) {
  return Bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

absl::Status FileError(const std::string& host, const std::string& file,
                       const std::string& problem) {
  return FailedPreconditionf("registry {}: certificate file {}: {}", host, file, problem);
}

// Every certificate in the PEM text `data` (other PEM blocks are skipped).
absl::StatusOr<std::vector<Cert>> ReadCertificates(const std::string& host, const std::string& file,
                                                   const std::string& data) {
  Bio bio = MemBio(data);
  std::vector<Cert> certs;
  ERR_clear_error();
  for (;;) {
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr));
    if (cert != nullptr) {
      certs.push_back(std::move(cert));
      continue;
    }
    unsigned long err = ERR_peek_last_error();
    if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
      ERR_clear_error();  // the end of the text
      break;
    }
    return FileError(host, file, "bad PEM certificate: " + OpenSslReason());
  }
  if (certs.empty()) return FileError(host, file, "no PEM certificate in it");
  return certs;
}

absl::StatusOr<std::string> ReadHostFile(const std::string& host, const std::string& path) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) {
    return FailedPreconditionf("registry {}: certificate file {}: {}", host, path,
                               ToStd(data.status().message()));
  }
  return data;
}

// Checks that `cert_file` holds a certificate and `key_file` its key.
absl::Status CheckClientPair(const std::string& host, const std::string& cert_file,
                             const std::string& key_file) {
  BERTH_ASSIGN_OR_RETURN(std::string cert_pem, ReadHostFile(host, cert_file));
  BERTH_ASSIGN_OR_RETURN(std::vector<Cert> certs, ReadCertificates(host, cert_file, cert_pem));
  BERTH_ASSIGN_OR_RETURN(std::string key_pem, ReadHostFile(host, key_file));
  Bio bio = MemBio(key_pem);
  ERR_clear_error();
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  if (key == nullptr) {
    return FileError(host, key_file,
                     "no usable PEM private key (malformed, or encrypted, which is not "
                     "supported): " +
                         OpenSslReason());
  }
  if (X509_check_private_key(certs.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return FileError(host, key_file, "the key does not belong to the certificate in " + cert_file);
  }
  return absl::OkStatus();
}

bool HasSuffix(const std::string& s, std::string_view suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Stem(const std::string& name) { return name.substr(0, name.rfind('.')); }

// A host name that is one path component.
bool PlainHostName(const std::string& host) {
  return !host.empty() && host.find('/') == std::string::npos && host != "." && host != "..";
}

}  // namespace

std::string HostCertsDir(const std::string& certs_dir, const std::string& host) {
  if (certs_dir.empty()) return "";
  return JoinPath(certs_dir, host);
}

bool HasHostCertsDir(const std::string& certs_dir, const std::string& host) {
  if (certs_dir.empty() || !PlainHostName(host)) return false;
  std::error_code ec;
  return std::filesystem::is_directory(HostCertsDir(certs_dir, host), ec);
}

absl::StatusOr<std::optional<HostTls>> LoadHostTls(const std::string& certs_dir,
                                                   const std::string& host) {
  if (certs_dir.empty() || !PlainHostName(host)) return std::optional<HostTls>();
  namespace fs = std::filesystem;
  HostTls tls;
  tls.dir = HostCertsDir(certs_dir, host);
  std::error_code ec;
  fs::file_status st = fs::status(tls.dir, ec);
  if (ec || !fs::exists(st)) {
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
      return FailedPreconditionf("registry {}: certificates directory {}: {}", host, tls.dir,
                                 ec.message());
    }
    return std::optional<HostTls>();
  }
  if (!fs::is_directory(st)) {
    return FailedPreconditionf("registry {}: certificates directory {}: not a directory", host,
                               tls.dir);
  }
  std::set<std::string> names;  // regular files (or links to them), in name order
  for (fs::directory_iterator it(tls.dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) names.insert(it->path().filename().string());
  }
  if (ec) {
    return FailedPreconditionf("registry {}: certificates directory {}: {}", host, tls.dir,
                               ec.message());
  }
  for (const std::string& name : names) {
    std::string path = JoinPath(tls.dir, name);
    if (HasSuffix(name, ".crt")) {
      BERTH_ASSIGN_OR_RETURN(std::string pem, ReadHostFile(host, path));
      BERTH_ASSIGN_OR_RETURN(std::vector<Cert> certs, ReadCertificates(host, path, pem));
      // Re-encoded, so the bundle holds nothing but certificates.
      Bio out(BIO_new(BIO_s_mem()));
      for (const Cert& cert : certs) PEM_write_bio_X509(out.get(), cert.get());
      char* data = nullptr;
      long len = BIO_get_mem_data(out.get(), &data);
      tls.ca_pem.append(data, static_cast<size_t>(len));
      tls.ca_files.push_back(path);
    } else if (HasSuffix(name, ".cert")) {
      std::string key = Stem(name) + ".key";
      if (names.count(key) == 0) {
        return FileError(host, path,
                         fmt::format("missing key {} for the client certificate (CA "
                                     "certificates must use the extension .crt)",
                                     JoinPath(tls.dir, key)));
      }
      BERTH_RETURN_IF_ERROR(CheckClientPair(host, path, JoinPath(tls.dir, key)));
      if (tls.client_cert.empty()) {
        tls.client_cert = path;
        tls.client_key = JoinPath(tls.dir, key);
      }
    } else if (HasSuffix(name, ".key")) {
      std::string cert = Stem(name) + ".cert";
      if (names.count(cert) == 0) {
        return FileError(
            host, path,
            fmt::format("missing client certificate {} for the key", JoinPath(tls.dir, cert)));
      }
    }
  }
  return std::optional<HostTls>(std::move(tls));
}

}  // namespace berth::containerd::registry
