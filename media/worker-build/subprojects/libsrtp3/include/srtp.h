// The libsrtp 3 API that mediasoup's worker calls, over Debian's libsrtp 2.5.
// Version 3 changed srtp_protect/srtp_unprotect (and the RTCP pair) from in-place with an int
// length to an input buffer, an output buffer and size_t lengths, renamed srtp_remove_stream to
// srtp_stream_remove, and added two error codes. These C++ overloads keep 2.x's C symbols and
// give the worker the 3.x signatures; only the worker's C++ includes this header.
#ifndef CC_SRTP3_COMPAT_H
#define CC_SRTP3_COMPAT_H

#include <srtp2/srtp.h>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <climits>

constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

namespace cc_srtp3
{
	// 2.x works in place and may append up to `trailer` bytes: copy into the output buffer first.
	inline srtp_err_status_t Prepare(
	  const uint8_t* in, size_t inLen, uint8_t* out, size_t outCapacity, size_t trailer, int* len)
	{
		if (inLen > static_cast<size_t>(INT_MAX) || outCapacity < inLen + trailer)
			return srtp_err_status_buffer_small;
		if (out != in)
			std::memmove(out, in, inLen);
		*len = static_cast<int>(inLen);
		return srtp_err_status_ok;
	}
} // namespace cc_srtp3

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t mkiIndex)
{
	int len;
	srtp_err_status_t err =
	  cc_srtp3::Prepare(rtp, rtpLen, srtp, *srtpLen, SRTP_MAX_TRAILER_LEN, &len);
	if (err != srtp_err_status_ok)
		return err;
	err = srtp_protect_mki(ctx, srtp, &len, 0, static_cast<unsigned int>(mkiIndex));
	if (err == srtp_err_status_ok)
		*srtpLen = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	int len;
	srtp_err_status_t err = cc_srtp3::Prepare(srtp, srtpLen, rtp, *rtpLen, 0, &len);
	if (err != srtp_err_status_ok)
		return err;
	err = srtp_unprotect(ctx, rtp, &len);
	if (err == srtp_err_status_ok)
		*rtpLen = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t mkiIndex)
{
	int len;
	// SRTCP adds the 4-byte index besides the tag.
	srtp_err_status_t err =
	  cc_srtp3::Prepare(rtcp, rtcpLen, srtcp, *srtcpLen, SRTP_MAX_TRAILER_LEN + 4, &len);
	if (err != srtp_err_status_ok)
		return err;
	err = srtp_protect_rtcp_mki(ctx, srtcp, &len, 0, static_cast<unsigned int>(mkiIndex));
	if (err == srtp_err_status_ok)
		*srtcpLen = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	int len;
	srtp_err_status_t err = cc_srtp3::Prepare(srtcp, srtcpLen, rtcp, *rtcpLen, 0, &len);
	if (err != srtp_err_status_ok)
		return err;
	err = srtp_unprotect_rtcp(ctx, rtcp, &len);
	if (err == srtp_err_status_ok)
		*rtcpLen = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

#endif
