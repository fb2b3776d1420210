#include "engined/images/content_io.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <memory>
#include <random>

#include "common/grpc/status_convert.h"
#include "common/status.h"

namespace berth::engined::images {
namespace {

constexpr size_t kChunk = 1 << 20;

class Hasher {
 public:
  Hasher() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Update(const void* p, size_t n) { EVP_DigestUpdate(ctx_.get(), p, n); }
  std::string Digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

}  // namespace

std::string Sha256Digest(std::string_view data) {
  Hasher h;
  h.Update(data.data(), data.size());
  return h.Digest();
}

absl::StatusOr<std::string> UncompressedDigest(std::string_view data, bool* gzip) {
  *gzip = data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
          static_cast<unsigned char>(data[1]) == 0x8b;
  if (!*gzip) return Sha256Digest(data);
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return absl::InternalError("inflateInit2 failed");
  Hasher h;
  std::string out(kChunk, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return InvalidArgumentf("layer: invalid gzip data ({})", rc);
    }
    h.Update(out.data(), out.size() - zs.avail_out);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return InvalidArgumentf("layer: truncated gzip data");
    }
  }
  inflateEnd(&zs);
  return h.Digest();
}

absl::StatusOr<std::string> ReadBlob(ContainerdClient& client, const std::string& digest) {
  ctrpb::ReadContentRequest request;
  request.set_digest(digest);
  std::unique_ptr<grpc::ClientContext> ctx = client.Ctx();
  std::unique_ptr<grpc::ClientReader<ctrpb::ReadContentResponse>> reader =
      client.content().Read(ctx.get(), request);
  std::string out;
  ctrpb::ReadContentResponse chunk;
  while (reader->Read(&chunk)) out += chunk.data();
  grpc::Status s = reader->Finish();
  if (!s.ok()) return WithContext(grpcutil::FromGrpc(s), "read content " + digest);
  return out;
}

absl::StatusOr<ctrpb::Descriptor> WriteBlob(ContainerdClient& client, const std::string& lease,
                                            const std::string& media_type, std::string_view data,
                                            const std::map<std::string, std::string>& labels) {
  std::string digest = Sha256Digest(data);
  std::unique_ptr<grpc::ClientContext> ctx = client.Ctx(lease);
  auto stream = client.content().Write(ctx.get());
  ctrpb::WriteContentRequest req;
  req.set_ref("berthd-" + digest);
  req.set_total(static_cast<int64_t>(data.size()));
  req.set_expected(digest);
  req.set_action(ctrpb::WRITE_ACTION_STAT);
  ctrpb::WriteContentResponse resp;
  bool ok = stream->Write(req) && stream->Read(&resp);
  // A resumed ingest continues from where it stopped.
  int64_t offset = ok ? resp.offset() : 0;
  for (size_t off = static_cast<size_t>(offset); ok && off < data.size(); off += kChunk) {
    req.set_action(ctrpb::WRITE_ACTION_WRITE);
    req.set_offset(static_cast<int64_t>(off));
    req.set_data(std::string(data.substr(off, kChunk)));
    ok = stream->Write(req) && stream->Read(&resp);
  }
  if (ok) {
    req.set_action(ctrpb::WRITE_ACTION_COMMIT);
    req.clear_data();
    req.mutable_labels()->insert(labels.begin(), labels.end());
    ok = stream->Write(req) && stream->WritesDone() && stream->Read(&resp);
  } else {
    stream->WritesDone();
  }
  while (stream->Read(&resp)) {
  }
  grpc::Status s = stream->Finish();
  if (!s.ok() && s.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
    return WithContext(grpcutil::FromGrpc(s), "write content " + digest);
  }
  ctrpb::Descriptor d;
  d.set_media_type(media_type);
  d.set_digest(digest);
  d.set_size(static_cast<int64_t>(data.size()));
  return d;
}

absl::StatusOr<ScopedLease> ScopedLease::Create(ContainerdClient& client,
                                                std::string_view purpose) {
  std::random_device rd;
  std::string id = fmt::format("berthd-{}-{:08x}{:08x}", purpose, rd(), rd());
  ctrpb::CreateLeaseRequest req;
  req.set_id(id);
  ctrpb::CreateLeaseResponse resp;
  grpc::Status s = client.leases().Create(client.Ctx(std::chrono::seconds(30)).get(), req, &resp);
  if (!s.ok())
    return WithContext(grpcutil::FromGrpc(s), "create lease for " + std::string(purpose));
  return ScopedLease(client, id);
}

ScopedLease::~ScopedLease() {
  if (id_.empty()) return;
  ctrpb::DeleteLeaseRequest req;
  req.set_id(id_);
  google::protobuf::Empty empty;
  (void)client_.leases().Delete(client_.Ctx(std::chrono::seconds(30)).get(), req, &empty);
}

}  // namespace berth::engined::images
