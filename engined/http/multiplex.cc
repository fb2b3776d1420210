// docker's stdcopy framing for non-tty attach, exec and logs streams.
#include "engined/http/http.h"

namespace berth::engined::http {

std::string MultiplexFrame(int stream, std::string_view payload) {
  std::string frame(8, '\0');
  frame[0] = static_cast<char>(stream);
  auto size = static_cast<uint32_t>(payload.size());
  frame[4] = static_cast<char>((size >> 24) & 0xff);
  frame[5] = static_cast<char>((size >> 16) & 0xff);
  frame[6] = static_cast<char>((size >> 8) & 0xff);
  frame[7] = static_cast<char>(size & 0xff);
  frame.append(payload);
  return frame;
}

}  // namespace berth::engined::http
