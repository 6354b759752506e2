"""The camera path: Chromium's fake camera plays a payee's QR code; the app reads it."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from playwright.sync_api import Playwright, expect

from tests.browser.conftest import CHROMIUM, FLAGS, phone
from tests.browser.network import BankCli
from tests.browser.phones import Phone
from tests.integration.nodes import NodeProcess


def write_y4m(picture: Path, video: Path, frames: int = 30) -> None:
    """A camera's view of a QR picture, as raw Y4M frames Chromium's fake camera plays."""
    code = Image.open(picture).convert("L")
    frame = Image.new("L", (640, 480), 255)
    side = min(440, code.width * (440 // code.width or 1))
    frame.paste(code.resize((side, side), Image.NEAREST), ((640 - side) // 2, (480 - side) // 2))
    chroma = bytes([128]) * (320 * 240)  # black and white: no colour
    with video.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


def test_the_camera_reads_a_payment_code(
    playwright_instance: Playwright, story_node: NodeProcess, tmp_path: Path
) -> None:
    """Chromium's fake camera shows the payee's QR code; the app reads it from video frames."""
    bank = BankCli(story_node.url, tmp_path)
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    payee = Phone(phone(browser), story_node.url, "payee").open()
    bank.run("open-request", "--request", payee.create_wallet(), "--tier", "basic")
    expect(payee.page.locator("#tier")).to_contain_text("tier basic", timeout=20_000)
    payee.payment_request("750", "Bread", tmp_path / "bread.gif")
    payee_key = payee.public_key()
    browser.close()
    write_y4m(tmp_path / "bread.gif", tmp_path / "camera.y4m")
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={tmp_path / 'camera.y4m'}",
    ]
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=FLAGS + camera)
    try:
        payer = Phone(phone(browser), story_node.url, "payer").open()
        payer.context.grant_permissions(["camera"])
        bank.run("open-request", "--request", payer.create_wallet(), "--tier", "basic")
        expect(payer.page.locator("#tier")).to_contain_text("tier basic", timeout=20_000)
        payer.home()
        payer.page.get_by_role("link", name="Pay").click()
        payer.page.get_by_role("button", name="Scan with the camera").click()
        expect(payer.page.locator("#pay-form")).to_be_visible(timeout=20_000)
        expect(payer.page.locator("#pay-to")).to_have_text(payee_key)
        expect(payer.page.locator("#pay-memo")).to_have_text("Bread")
        expect(payer.page.get_by_label("Amount to pay in tenge")).to_have_value("750.00")
    finally:
        browser.close()
