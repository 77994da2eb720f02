// Malformed and unknown input: each decodes to the typed error whose specification type/code
// the daemon answers with (OFPET_BAD_REQUEST/OFPBRC_BAD_LEN, OFPET_BAD_ACTION/..., ...).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "openflow/of10.hpp"
#include "openflow/of13.hpp"

namespace {

using vs::openflow::DecodeContext;
using vs::openflow::DecodeErrorKind;
using vs::openflow::SpecError;

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}

namespace of13 = vs::of13;

SpecError spec13(uint16_t type, uint16_t code) {
    return SpecError{type, code};
}
constexpr auto kBadRequest = static_cast<uint16_t>(of13::ErrorType::kBadRequest);
constexpr auto kBadAction = static_cast<uint16_t>(of13::ErrorType::kBadAction);
constexpr auto kBadInstruction = static_cast<uint16_t>(of13::ErrorType::kBadInstruction);
constexpr auto kBadMatch = static_cast<uint16_t>(of13::ErrorType::kBadMatch);

// FLOW_MOD: match {in_port=1} at 48 (OXM header at 52), apply-actions at 64, output at 72.
std::vector<uint8_t> flow_mod13() {
    of13::FlowMod fm;
    fm.priority = 100;
    fm.match.fields.push_back(of13::Oxm::make(of13::OxmField::kInPort, 1));
    of13::InstructionApplyActions apply;
    apply.actions.emplace_back(of13::ActionOutput{2, 0xffff});
    fm.instructions.emplace_back(apply);
    return of13::encode(of13::Message{7, fm});
}

SpecError error13(const std::vector<uint8_t>& bytes) {
    const auto r = of13::decode(bytes);
    EXPECT_FALSE(r);
    if (r) return {};
    EXPECT_EQ(r.error().xid, bytes.size() >= 8 ? bytes[7] : 0u);
    return of13::spec_error(r.error());
}

TEST(Of13Malformed, TheBaseFlowModIsValid) {
    const auto bytes = flow_mod13();
    ASSERT_EQ(bytes.size(), 88u);
    const auto r = of13::decode(bytes);
    ASSERT_TRUE(r);
    const auto& fm = std::get<of13::FlowMod>(r->body);
    ASSERT_EQ(fm.match.fields.size(), 1u);
    EXPECT_TRUE(fm.match.fields[0].is(of13::OxmField::kInPort));
    EXPECT_EQ(fm.match.fields[0].value_uint(), 1u);
    EXPECT_EQ(to_string(*r).find("FlowMod{cookie=0x0"), 6u) << to_string(*r);
}

TEST(Of13Malformed, Header) {
    auto b = flow_mod13();
    b[1] = 200;
    EXPECT_EQ(error13(b), spec13(kBadRequest, 1));  // BAD_TYPE
    b = flow_mod13();
    b[0] = 5;
    EXPECT_EQ(error13(b), spec13(kBadRequest, 0));  // BAD_VERSION
    b = flow_mod13();
    put16(b, 2, 4);
    EXPECT_EQ(error13(b), spec13(kBadRequest, 6));  // BAD_LEN
    b = flow_mod13();
    put16(b, 2, 200);
    const auto r = of13::decode(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, DecodeErrorKind::kTruncated);
    EXPECT_EQ(of13::spec_error(r.error()), spec13(kBadRequest, 6));
}

TEST(Of13Malformed, Actions) {
    auto b = flow_mod13();
    put16(b, 72, 99);
    EXPECT_EQ(error13(b), spec13(kBadAction, 0));  // BAD_TYPE
    for (const uint16_t len : {0, 3, 8, 24, 0xfff8}) {
        b = flow_mod13();
        put16(b, 74, len);
        EXPECT_EQ(error13(b), spec13(kBadAction, 1)) << len;  // BAD_LEN
    }
}

TEST(Of13Malformed, Instructions) {
    auto b = flow_mod13();
    put16(b, 64, 99);
    EXPECT_EQ(error13(b), spec13(kBadInstruction, 0));  // UNKNOWN_INST
    for (const uint16_t len : {0, 2, 3, 200}) {
        b = flow_mod13();
        put16(b, 66, len);
        EXPECT_EQ(error13(b), spec13(kBadInstruction, 7)) << len;  // BAD_LEN
    }
}

TEST(Of13Malformed, MatchAndOxm) {
    auto b = flow_mod13();
    put16(b, 48, 0);                              // OFPMT_STANDARD
    EXPECT_EQ(error13(b), spec13(kBadMatch, 0));  // BAD_TYPE
    for (const uint16_t len : {0, 2, 100}) {
        b = flow_mod13();
        put16(b, 50, len);
        EXPECT_EQ(error13(b), spec13(kBadMatch, 1)) << len;  // BAD_LEN
    }
    b = flow_mod13();
    b[54] = 60 << 1;                              // no such basic field
    EXPECT_EQ(error13(b), spec13(kBadMatch, 6));  // BAD_FIELD
    b = flow_mod13();
    b[55] = 3;  // in_port is 4 bytes
    EXPECT_EQ(error13(b), spec13(kBadMatch, 1));
    b = flow_mod13();
    b[54] |= 1;  // has_mask: needs 8 bytes
    EXPECT_EQ(error13(b), spec13(kBadMatch, 1));
    b = flow_mod13();
    b[52] = 0xff;  // experimenter class: carried opaquely
    b[53] = 0xff;
    const auto r = of13::decode(b);
    ASSERT_TRUE(r);
    const auto& oxm = std::get<of13::FlowMod>(r->body).match.fields.at(0);
    EXPECT_EQ(oxm.oxm_class, 0xffff);
    EXPECT_EQ(oxm.value.size(), 4u);
    EXPECT_EQ(of13::encode(*r), b);
}

TEST(Of13Malformed, MultipartAndLists) {
    auto b = of13::encode(of13::Message{9, of13::DescRequest{}});
    ASSERT_EQ(b.size(), 16u);
    put16(b, 8, 99);
    EXPECT_EQ(error13(b), spec13(kBadRequest, 2));  // BAD_MULTIPART

    of13::PacketOut po;
    po.buffer_id = 0xffffffff;
    po.actions.emplace_back(of13::ActionOutput{1, 0});
    b = of13::encode(of13::Message{3, po});
    put16(b, 16, 200);  // actions_len beyond the message
    EXPECT_EQ(error13(b), spec13(kBadRequest, 6));

    of13::GroupMod gm;
    gm.buckets.emplace_back().actions.emplace_back(of13::ActionOutput{1, 0});
    b = of13::encode(of13::Message{4, gm});
    put16(b, 16, 8);  // bucket len below its 16 fixed bytes
    EXPECT_EQ(error13(b), spec13(static_cast<uint16_t>(of13::ErrorType::kGroupModFailed), 12));
}

TEST(Of13Hello, AnyVersionAndUnknownElementsAreKept) {
    // Version 6 hello with a bitmap of 1.0, 1.3 and 1.5 and an element of an unknown type.
    const std::vector<uint8_t> b = {6,    0, 0, 32, 0, 0, 0, 1,     // header
                                    0,    1, 0, 8,  0, 0, 0, 0x52,  // versionbitmap 1,4,6
                                    0,    9, 0, 7,  1, 2, 3, 0,     // unknown type 9, padded
                                    0x00, 1, 0, 8,  0, 0, 0, 0x10};
    const auto r = of13::decode(b);
    ASSERT_TRUE(r) << vs::openflow::to_string(r.error());
    const auto& hello = std::get<of13::Hello>(r->body);
    ASSERT_EQ(hello.elements.size(), 3u);
    EXPECT_EQ(std::get<of13::HelloElemVersionBitmap>(hello.elements[0]).bitmaps,
              std::vector<uint32_t>{0x52});
    const auto& unknown = std::get<of13::HelloElemUnknown>(hello.elements[1]);
    EXPECT_EQ(unknown.type, 9);
    EXPECT_EQ(unknown.data, (std::vector<uint8_t>{1, 2, 3}));
    auto again = of13::encode(*r);
    again[0] = 6;  // we encode our own version
    EXPECT_EQ(again, b);
}

TEST(Of13Golden, KnownEncodings) {
    EXPECT_EQ(of13::encode(of13::Message{0x12345678, of13::FeaturesRequest{}}),
              (std::vector<uint8_t>{4, 5, 0, 8, 0x12, 0x34, 0x56, 0x78}));
    of13::Hello hello;
    hello.elements.emplace_back(of13::HelloElemVersionBitmap{{0x12}});
    EXPECT_EQ(of13::encode(of13::Message{1, hello}),
              (std::vector<uint8_t>{4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x12}));
    // set_field eth_dst: 4 + 4 + 6 = 14 bytes, padded to 16 inside the action's length.
    of13::ActionSetField sf{
        of13::Oxm::make_bytes(of13::OxmField::kEthDst, std::vector<uint8_t>{1, 2, 3, 4, 5, 6})};
    std::vector<uint8_t> out;
    vs::openflow::Writer w(out);
    of13::encode(w, of13::Action{sf});
    EXPECT_EQ(out,
              (std::vector<uint8_t>{0, 25, 0, 16, 0x80, 0, 3 << 1, 6, 1, 2, 3, 4, 5, 6, 0, 0}));
}

namespace of10 = vs::of10;

TEST(Of10Malformed, StatsActionsAndHeader) {
    auto b = of10::encode(of10::Message{5, of10::DescStatsRequest{}});
    ASSERT_EQ(b.size(), 12u);
    put16(b, 8, 99);
    auto r = of10::decode(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().context, DecodeContext::kMultipart);
    EXPECT_EQ(of10::spec_error(r.error()), (SpecError{1, 2}));  // BAD_REQUEST, BAD_STAT

    of10::FlowMod fm;
    fm.match.wildcards = of10::wildcards::kAll;
    fm.actions.emplace_back(of10::ActionOutput{1, 0});
    b = of10::encode(of10::Message{6, fm});
    ASSERT_EQ(b.size(), 80u);
    auto bad = b;
    put16(bad, 72, 99);
    r = of10::decode(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(of10::spec_error(r.error()), (SpecError{2, 0}));  // BAD_ACTION, BAD_TYPE
    bad = b;
    put16(bad, 74, 16);
    r = of10::decode(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(of10::spec_error(r.error()), (SpecError{2, 1}));  // BAD_ACTION, BAD_LEN
    bad = b;
    bad[0] = 4;
    r = of10::decode(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(of10::spec_error(r.error()), (SpecError{1, 0}));  // BAD_REQUEST, BAD_VERSION
    bad = b;
    bad[1] = 22;
    r = of10::decode(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(of10::spec_error(r.error()), (SpecError{1, 1}));  // BAD_REQUEST, BAD_TYPE
}

}  // namespace

namespace {

// The usage shown in openflow/README.md, kept compiling and true.
TEST(Of13Api, ReadmeExample) {
    vs::of13::FlowMod fm;
    fm.command = vs::of13::FlowModCommand::kAdd;
    fm.match.fields.push_back(vs::of13::Oxm::make(vs::of13::OxmField::kInPort, 1));
    fm.instructions.emplace_back(vs::of13::InstructionApplyActions{
        {vs::of13::ActionOutput{vs::of13::port_no::kController, 0xffff}}});
    const std::vector<uint8_t> wire = vs::of13::encode(vs::of13::Message{7, fm});
    const auto hdr = vs::openflow::peek_header(wire);
    ASSERT_TRUE(hdr);
    EXPECT_EQ(hdr->length, wire.size());
    const auto r = vs::of13::decode(std::span(wire).first(hdr->length));
    ASSERT_TRUE(r);
    EXPECT_EQ(vs::of13::wire_type(r->body), 14);
    EXPECT_STREQ(vs::of13::type_name(r->body), "FlowMod");
    const auto& back = std::get<vs::of13::FlowMod>(r->body);
    EXPECT_EQ(back, fm);
    EXPECT_EQ(vs::of13::to_string(back.match), "Match{fields=[in_port=1]}");
    EXPECT_EQ(vs::of13::to_string(back.instructions[0]),
              "InstructionApplyActions{actions=[ActionOutput{port=4294967293 max_len=65535}]}");
    EXPECT_EQ(vs::of13::oxm_width(vs::of13::OxmField::kIpv6Src), 16u);
    EXPECT_TRUE(vs::of13::oxm_maskable(vs::of13::OxmField::kIpv6Src));
    EXPECT_FALSE(vs::of13::oxm_maskable(vs::of13::OxmField::kInPort));
}

}  // namespace

namespace {

TEST(Of13Split, LargeMultipartRepliesSplitBetweenElements) {
    vs::of13::FlowStatsReply reply;
    for (uint16_t i = 0; i < 3000; ++i) {
        auto& fs = reply.stats.emplace_back();
        fs.priority = i;
        fs.match.fields.push_back(vs::of13::Oxm::make(vs::of13::OxmField::kInPort, i));
        fs.instructions.emplace_back(
            vs::of13::InstructionApplyActions{{vs::of13::ActionOutput{i, 0}}});
    }
    const vs::of13::Message msg{42, reply};
    const auto parts = vs::of13::encode_split(msg);
    ASSERT_GT(parts.size(), 2u);
    std::vector<vs::of13::FlowStats> all;
    for (size_t i = 0; i < parts.size(); ++i) {
        EXPECT_LE(parts[i].size(), 65535u);
        const auto r = vs::of13::decode(parts[i]);
        ASSERT_TRUE(r) << vs::openflow::to_string(r.error());
        EXPECT_EQ(r->xid, 42u);
        const auto& part = std::get<vs::of13::FlowStatsReply>(r->body);
        EXPECT_EQ(part.flags, i + 1 < parts.size() ? 1 : 0);
        all.insert(all.end(), part.stats.begin(), part.stats.end());
    }
    EXPECT_EQ(all, reply.stats);
    // Small limits still put one element in each message; other messages stay whole.
    EXPECT_EQ(vs::of13::encode_split(msg, 100).size(), 3000u);
    EXPECT_EQ(vs::of13::encode_split(vs::of13::Message{1, vs::of13::BarrierReply{}}).size(), 1u);
    EXPECT_EQ(vs::of10::encode_split(vs::of10::Message{1, vs::of10::FlowStatsReply{}}).size(), 1u);
}

TEST(Of13ErrorReply, CarriesTheSpecCodeXidAndTheRequestStart) {
    std::vector<uint8_t> request = flow_mod13();
    put16(request, 72, 99);  // unknown action type
    const auto r = vs::of13::decode(request);
    ASSERT_FALSE(r);
    const auto reply = vs::of13::error_reply(r.error(), request);
    EXPECT_EQ(reply.xid, 7u);
    const auto& err = std::get<vs::of13::Error>(reply.body);
    EXPECT_EQ(err.type, vs::of13::ErrorType::kBadAction);
    EXPECT_EQ(err.code, static_cast<uint16_t>(vs::of13::BadActionCode::kBadType));
    EXPECT_EQ(err.data, std::vector<uint8_t>(request.begin(), request.begin() + 64));
    const auto back = vs::of13::decode(vs::of13::encode(reply));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, reply);
    const auto decoded = vs::of13::decode(flow_mod13());
    ASSERT_TRUE(decoded);
    const auto& fm = std::get<vs::of13::FlowMod>(decoded->body);
    EXPECT_NE(vs::of13::find_oxm(fm.match.fields, vs::of13::OxmField::kInPort), nullptr);
    EXPECT_EQ(vs::of13::find_oxm(fm.match.fields, vs::of13::OxmField::kEthDst), nullptr);
}

}  // namespace
