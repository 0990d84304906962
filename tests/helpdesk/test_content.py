"""Content rules for sending and receiving (docs/channels.md, "Content")."""

from __future__ import annotations

import pytest
from conftest import ALICE, at, dump, inbound

from channels.sms import render_macro
from helpdesk import ContentRefused, ConversationStore, Inbox


def send(channel: Inbox, body: str, **extra: object) -> object:
    return channel.send_outbound({"id": "SM9", "at": at(), "to": ALICE, "body": body, **extra})


def test_text_emoji_and_full_links_are_sent(channel: Inbox) -> None:
    result = channel.send_outbound(
        {"id": "SM1", "at": at(), "to": ALICE, "body": "Thanks 🙏 see https://example.com/x"}
    )
    assert (result.decision, result.warnings) == ("outbound", ())


def test_a_bare_link_gets_a_warning_with_the_fix(channel: Inbox) -> None:
    result = channel.send_outbound(
        {"id": "SM1", "at": at(), "to": ALICE, "body": "Track it at example.com/x."}
    )
    assert result.decision == "outbound"
    (warning,) = result.warnings
    assert "'example.com/x'" in warning and "'https://example.com/x'" in warning


def test_emails_and_full_urls_are_not_bare_links(channel: Inbox) -> None:
    result = channel.send_outbound(
        {"id": "SM1", "at": at(), "to": ALICE, "body": "Mail help@example.com or http://a.io/b"}
    )
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("media", "message"),
    [
        ("image/png", "images cannot be sent by SMS"),
        ("image/gif", "is a GIF"),
        ("video/mp4", "is a video"),
        ("audio/mpeg", "is audio"),
        ("application/vnd.android.package-archive", "is an app"),
        ("text/vcard", "is a card"),
        ("nonsense", "is not a MIME type"),
        ("model/gltf+json", "not a media type SMS handles"),
    ],
)
def test_media_is_refused_when_sending(
    channel: Inbox, store: ConversationStore, media: str, message: str
) -> None:
    before = dump(store)
    with pytest.raises(ContentRefused, match=message) as caught:
        send(channel, "Look", media=[media])
    assert caught.value.field == "media[0]"
    assert dump(store) == before


def test_image_refusal_advises_a_link(channel: Inbox) -> None:
    with pytest.raises(ContentRefused) as caught:
        send(channel, "Look", media=[{"content_type": "image/jpeg", "url": "https://x/y.jpg"}])
    assert "send a link" in (caught.value.hint or "")


def test_bodies_over_1600_characters_are_refused(channel: Inbox) -> None:
    send(channel, "x" * 1600)
    with pytest.raises(ContentRefused, match="1601 characters; an SMS body holds at most 1600"):
        channel.send_outbound({"id": "SM2", "at": at(), "to": ALICE, "body": "x" * 1601})


def test_empty_body_is_refused(channel: Inbox) -> None:
    with pytest.raises(ContentRefused, match="empty"):
        send(channel, "  ")


def test_macros_are_stripped_to_text_with_plain_urls() -> None:
    macro = (
        "## Hello **there**\n"
        "Please read [our guide](https://example.com/a_b_c) and "
        '<a href="https://example.com/x">this page</a>.<br>'
        "![logo](https://example.com/logo.png)<img src='x.png'> _Thanks_ &amp; bye"
    )
    assert render_macro(macro) == (
        "Hello there\n"
        "Please read our guide https://example.com/a_b_c and this page https://example.com/x.\n"
        "Thanks & bye"
    )


def test_a_macro_is_sent_as_its_text(channel: Inbox) -> None:
    channel.send_outbound(
        {"id": "SM1", "at": at(), "to": ALICE, "body": "**Hi** [site](https://a.io)", "macro": True}
    )
    reply = channel.apply(inbound("SM2", at(minutes=1)))
    view = channel.conversation(reply.conversation_id or "")
    assert view.messages[0].body == "hi"
    with channel.store.snapshot() as tx:
        sent = tx.message("SM1")
    assert sent is not None and sent.body == "Hi site https://a.io"


def test_received_images_are_attachments(channel: Inbox) -> None:
    result = channel.apply(inbound("SM1", at(), body="See", media=["image/jpeg"]))
    (first, _any) = result.events
    assert first.message["has_media"] is True
    assert first.message["media_types"] == ["image/jpeg"]
    message = channel.conversation(result.conversation_id or "").messages[0]
    assert message.attachments == ("image/jpeg",)
    assert result.notes == ()


def test_received_video_is_recorded_with_a_note(channel: Inbox) -> None:
    result = channel.apply(
        inbound("SM1", at(), body="my screen", media=[{"content_type": "video/mp4", "url": "u"}])
    )
    message = channel.conversation(result.conversation_id or "").messages[0]
    assert (message.body, message.media_types, message.attachments) == (
        "my screen",
        ("video/mp4",),
        (),
    )
    (note,) = result.notes
    assert "video/mp4" in note and "the text was kept" in note
    assert [n.body for n in channel.conversation(result.conversation_id or "").notes] == [note]


def test_received_cards_are_refused_and_the_text_kept(channel: Inbox) -> None:
    result = channel.apply(inbound("SM1", at(), body="my contact", media=["text/vcard"]))
    message = channel.conversation(result.conversation_id or "").messages[0]
    assert (message.body, message.media_types) == ("my contact", ())
    assert "refused" in result.warnings[0]
    assert result.events[0].message["has_media"] is False


def test_received_unknown_media_type_is_an_error(channel: Inbox, store: ConversationStore) -> None:
    before = dump(store)
    result = channel.apply(inbound("SM1", at(), media=["bogus"]))
    assert result.decision == "rejected"
    assert result.error is not None and result.error.field == "media[0]"
    assert dump(store) == before


def test_media_only_message_is_received(channel: Inbox) -> None:
    result = channel.apply(inbound("SM1", at(), body="", media=["image/png"]))
    assert result.decision == "new"
    assert result.events[0].message["segments"] == 0
