// The Content service: resumable ingests, verified commits, reads.
#include <catch2/catch.hpp>

#include "containerd/core/content/digest.h"
#include "tests/integration/containerd/daemon_fixture.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;

TEST_CASE("content is written in resumable pieces, verified on commit and read back",
          "[containerd][content]") {
  DaemonFixture f;
  std::string blob;
  for (int i = 0; i < 300000; ++i) blob += static_cast<char>('a' + i % 26);
  const std::string digest = containerd::content::Digest::Of(blob).str();

  // First stream: the first half, then the writer goes away.
  {
    auto context = Ctx();
    auto stream = f.content().Write(context.get());
    ctrpb::WriteContentRequest write;
    write.set_action(ctrpb::WRITE_ACTION_WRITE);
    write.set_ref("upload-1");
    write.set_total(static_cast<int64_t>(blob.size()));
    write.set_expected(digest);
    write.set_data(blob.substr(0, 100000));
    REQUIRE(stream->Write(write));
    ctrpb::WriteContentResponse response;
    REQUIRE(stream->Read(&response));
    CHECK(response.offset() == 100000);
    stream->WritesDone();
    CHECK(stream->Finish().ok());
  }
  ctrpb::ListStatusesResponse statuses;
  REQUIRE(f.content().ListStatuses(Ctx().get(), {}, &statuses).ok());
  REQUIRE(statuses.statuses_size() == 1);
  CHECK(statuses.statuses(0).offset() == 100000);
  CHECK(statuses.statuses(0).expected() == digest);

  // Second stream: where does it stand, the rest, a wrong offset, commit.
  {
    auto context = Ctx();
    auto stream = f.content().Write(context.get());
    ctrpb::WriteContentRequest stat;
    stat.set_action(ctrpb::WRITE_ACTION_STAT);
    stat.set_ref("upload-1");
    REQUIRE(stream->Write(stat));
    ctrpb::WriteContentResponse response;
    REQUIRE(stream->Read(&response));
    REQUIRE(response.offset() == 100000);
    ctrpb::WriteContentRequest write;
    write.set_action(ctrpb::WRITE_ACTION_WRITE);
    write.set_offset(response.offset());
    write.set_data(blob.substr(100000));
    REQUIRE(stream->Write(write));
    REQUIRE(stream->Read(&response));
    CHECK(response.offset() == static_cast<int64_t>(blob.size()));
    ctrpb::WriteContentRequest commit;
    commit.set_action(ctrpb::WRITE_ACTION_COMMIT);
    commit.set_total(static_cast<int64_t>(blob.size()));
    commit.set_expected(digest);
    REQUIRE(stream->Write(commit));
    REQUIRE(stream->Read(&response));
    CHECK(response.digest() == digest);
    stream->WritesDone();
    grpc::Status finished = stream->Finish();
    INFO(finished.error_message());
    CHECK(finished.ok());
  }
  ctrpb::InfoRequest info;
  info.set_digest(digest);
  ctrpb::InfoResponse got;
  REQUIRE(f.content().Info(Ctx().get(), info, &got).ok());
  CHECK(got.info().size() == static_cast<int64_t>(blob.size()));

  ctrpb::ReadContentRequest read;
  read.set_digest(digest);
  read.set_offset(5);
  read.set_size(20);
  auto context = Ctx();
  auto reader = f.content().Read(context.get(), read);
  std::string out;
  ctrpb::ReadContentResponse chunk;
  while (reader->Read(&chunk)) out += chunk.data();
  REQUIRE(reader->Finish().ok());
  CHECK(out == blob.substr(5, 20));

  // A blob whose bytes do not match: refused, not visible.
  {
    auto bad_context = Ctx();
    auto stream = f.content().Write(bad_context.get());
    ctrpb::WriteContentRequest write;
    write.set_action(ctrpb::WRITE_ACTION_WRITE);
    write.set_ref("upload-bad");
    write.set_data("not what was promised");
    REQUIRE(stream->Write(write));
    ctrpb::WriteContentResponse response;
    REQUIRE(stream->Read(&response));
    ctrpb::WriteContentRequest commit;
    commit.set_action(ctrpb::WRITE_ACTION_COMMIT);
    commit.set_expected(digest);
    stream->Write(commit);
    stream->WritesDone();
    grpc::Status refused = stream->Finish();
    CHECK(refused.error_code() == StatusCode::FAILED_PRECONDITION);
  }
  ctrpb::AbortRequest abort;
  abort.set_ref("upload-bad");
  google::protobuf::Empty empty;
  REQUIRE(f.content().Abort(Ctx().get(), abort, &empty).ok());
  ctrpb::ListContentResponse listed;
  REQUIRE(f.content().List(Ctx().get(), {}, &listed).ok());
  CHECK(listed.info_size() == 1);
  info.set_digest("sha256:nothex");
  CHECK(f.content().Info(Ctx().get(), info, &got).error_code() == StatusCode::INVALID_ARGUMENT);
  ctrpb::DeleteContentRequest del;
  del.set_digest(digest);
  REQUIRE(f.content().Delete(Ctx().get(), del, &empty).ok());
  info.set_digest(digest);
  CHECK(f.content().Info(Ctx().get(), info, &got).error_code() == StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace berth::testing
