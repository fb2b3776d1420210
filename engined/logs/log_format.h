// The body of GET /containers/{id}/logs as docker writes it
// (api/server/httputils/write_log_stream.go): per record, an optional
// timestamp prefix, then either docker's stdcopy frame (no tty) or the raw
// bytes (tty).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "engined/logs/log_reader.h"
#include "engined/logs/log_record.h"

namespace berth::engined::logs {

struct LogFormatOptions {
  bool tty = false;         // the container's Config.Tty: raw stream, no frames
  bool timestamps = false;  // prefix each record with its time and a space
};

// One record as it goes on the wire. The timestamp is docker's
// RFC3339NanoFixed, "2026-12-02T06:12:12.120000000Z " (nine digits: docker
// pads rather than trims here, so columns line up).
std::string FormatLogRecord(const LogRecord& record, const LogFormatOptions& options);

// A read error after the stream started, as docker reports it: "Error
// grabbing logs: <msg>\n" on the systemerr stream (3), or raw with a tty.
std::string FormatLogError(std::string_view message, const LogFormatOptions& options);

// A sink that formats each record and hands it to `write` (false: the
// client is gone, which ends the read).
LogSink FormattingSink(LogFormatOptions options, std::function<bool(std::string_view)> write);

}  // namespace berth::engined::logs
