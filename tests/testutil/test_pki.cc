#include "tests/testutil/test_pki.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <memory>

namespace berth::testing {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

Key NewKey() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(key != nullptr);
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  REQUIRE(ext != nullptr);
  REQUIRE(X509_add_ext(cert, ext, -1) == 1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `cn`, signed by issuer (self-signed when null).
Cert NewCert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
             long serial) {
  Cert cert(X509_new());
  REQUIRE(X509_set_version(cert.get(), 2) == 1);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  REQUIRE(X509_set_pubkey(cert.get(), key) == 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  REQUIRE(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1);
  if (ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
  } else {
    AddExtension(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1");
  }
  REQUIRE(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0);
  return cert;
}

void WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  REQUIRE(bio != nullptr);
  if (cert != nullptr) REQUIRE(PEM_write_bio_X509(bio, cert) == 1);
  if (key != nullptr) {
    REQUIRE(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  }
  BIO_free(bio);
}

}  // namespace

TestPki::TestPki(const std::string& ca_name) {
  Key ca_key = NewKey();
  Cert ca_cert = NewCert(ca_key.get(), ca_name, nullptr, nullptr, true, 1);
  WritePem(ca, ca_cert.get(), nullptr);
  Key skey = NewKey();
  Cert scert = NewCert(skey.get(), "berthd", ca_cert.get(), ca_key.get(), false, 2);
  WritePem(server_cert, scert.get(), nullptr);
  WritePem(server_key, nullptr, skey.get());
  Key ckey = NewKey();
  Cert ccert = NewCert(ckey.get(), "client", ca_cert.get(), ca_key.get(), false, 3);
  WritePem(client_cert, ccert.get(), nullptr);
  WritePem(client_key, nullptr, ckey.get());
}

}  // namespace berth::testing
