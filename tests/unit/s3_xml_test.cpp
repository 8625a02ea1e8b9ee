#include <gtest/gtest.h>

#include "domain/s3/xml.hpp"

namespace crmd::s3 {
namespace {

TEST(S3Xml, ReadsAnErrorDocument) {
  const auto doc = parse_error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
      "<Message>The request signature we calculated does not match &amp; so on</Message>"
      "<RequestId>4442587FB7D0A2F9</RequestId></Error>");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->code, "SignatureDoesNotMatch");
  EXPECT_EQ(doc->message, "The request signature we calculated does not match & so on");
  EXPECT_FALSE(parse_error("<Other/>"));
  EXPECT_FALSE(parse_error("not xml at all"));
  const auto made = parse_error(error_document("NoSuchKey", "a <key>", "/b/k"));
  ASSERT_TRUE(made);
  EXPECT_EQ(made->code, "NoSuchKey");
  EXPECT_EQ(made->message, "a <key>");
}

TEST(S3Xml, ReadsTheUploadIdOfCreateMultipartUpload) {
  const auto id = parse_upload_id(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>example-bucket</Bucket>"
      "<Key>example-object</Key><UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9h"
      "ZA</UploadId></InitiateMultipartUploadResult>");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_FALSE(
      parse_upload_id("<InitiateMultipartUploadResult><UploadId/>"
                      "</InitiateMultipartUploadResult>"));
}

TEST(S3Xml, CompleteMultipartUploadRoundTrips) {
  const std::vector<CompletedPart> parts{{1, "\"a54357aff0632cce46d942af68356b38\""},
                                         {2, "\"0c78aef83f66abc1fa1e8477f296d394\""}};
  const auto body = complete_multipart_body(parts);
  EXPECT_EQ(body,
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;"
            "a54357aff0632cce46d942af68356b38&quot;</ETag></Part><Part><PartNumber>2</"
            "PartNumber><ETag>&quot;0c78aef83f66abc1fa1e8477f296d394&quot;</ETag></Part></"
            "CompleteMultipartUpload>");
  const auto back = parse_complete_multipart(body);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].number, 2);
  EXPECT_EQ((*back)[1].etag, parts[1].etag);
  EXPECT_FALSE(
      parse_complete_multipart("<CompleteMultipartUpload><Part><PartNumber>x"
                               "</PartNumber><ETag>e</ETag></Part>"
                               "</CompleteMultipartUpload>"));
}

TEST(S3Xml, ReadsListObjectsV2Pages) {
  const auto page = parse_list_page(
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
      "<Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/"
      "wm36Hy4vbOwM=</NextContinuationToken>"
      "<Contents><Key>p/a&amp;b.csv</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>"
      "<ETag>\"fba9dede5f27731c9771645a39863328\"</ETag><Size>434234</Size>"
      "<StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>p/c</Key><LastModified>2009-10-12T17:50:31Z</LastModified>"
      "<Size>0</Size></Contents><CommonPrefixes><Prefix>p/exports/</Prefix></CommonPrefixes>"
      "</ListBucketResult>");
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "p/a&b.csv");
  EXPECT_EQ(page.objects[0].size, 434234u);
  EXPECT_EQ(format_rfc3339(page.objects[0].last_modified), "2009-10-12T17:50:30Z");
  EXPECT_EQ(page.objects[1].size, 0u);
  ASSERT_TRUE(page.next_token);
  EXPECT_EQ(*page.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

  const auto last = parse_list_page(
      "<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount>"
      "</ListBucketResult>");
  EXPECT_TRUE(last.objects.empty());
  EXPECT_FALSE(last.next_token);
  EXPECT_THROW(parse_list_page("<ListBucketResult><Contents><Key>k</Key><Size>x</Size>"
                               "<LastModified>2009-10-12T17:50:31Z</LastModified></Contents>"
                               "</ListBucketResult>"),
               std::invalid_argument);
}

TEST(S3Xml, ElementsDoNotMatchLongerNames) {
  const auto found = elements("<KeyCount>3</KeyCount><Key>k</Key>", "Key");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "k");
  EXPECT_EQ(xml_unescape("&#x41;&#66;&amp;&bogus;"), "AB&&bogus;");
}

}  // namespace
}  // namespace crmd::s3
