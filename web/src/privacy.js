// privacy — the portal's privacy policy, in both languages.
//
// Written from the promises of DESIGN §2. VERSION and DATE are what a
// registration records consent to: change either whenever the text changes
// (the build also writes them to privacy.json for the server).
export const VERSION = '1.0';
export const DATE = '2026-11-25';

// Each section: a heading and paragraphs; a paragraph given as an array is a list.
export const text = {
  vi: [
    {
      h: 'Phạm vi',
      p: [
        'Chính sách này cho biết cổng thông tin đất đai của tỉnh thu thập, sử dụng và bảo vệ dữ liệu cá nhân của người dùng như thế nào. Người xem bản đồ và tra cứu thông tin cơ bản của thửa đất không cần tài khoản và không phải cung cấp dữ liệu cá nhân nào. Trình duyệt chỉ ghi nhớ ngôn ngữ bạn chọn, ngay trên máy của bạn.',
      ],
    },
    {
      h: 'Dữ liệu chúng tôi thu thập',
      p: [
        'Khi đăng ký tài khoản, bạn cung cấp họ và tên, số điện thoại và mật khẩu (bắt buộc), có thể thêm thư điện tử và địa chỉ (không bắt buộc). Trong mọi biểu mẫu, trường bắt buộc được đánh dấu *; trường không bắt buộc có thể để trống.',
        'Cổng thông tin cũng ghi lại việc sử dụng tài khoản cần cho hạn mức của gói dịch vụ: số lượt xem thông tin chi tiết trong ngày, các yêu cầu hỗ trợ, khiếu nại, tranh chấp bạn gửi và các thông báo gửi đến bạn.',
      ],
    },
    {
      h: 'Mục đích sử dụng',
      p: [
        'Dữ liệu của bạn chỉ được dùng để:',
        [
          'quản lý quyền sử dụng cổng thông tin theo gói dịch vụ của bạn;',
          'gửi thông báo đến bạn;',
          'mời bạn nâng cấp gói dịch vụ;',
          'hỗ trợ bạn khi bạn yêu cầu;',
          'giải quyết khiếu nại và tranh chấp.',
        ],
        'Cổng thông tin không gửi dữ liệu của bạn đi bất cứ nơi nào khác, không bán, không chia sẻ cho quảng cáo.',
      ],
    },
    {
      h: 'Thời gian lưu giữ, xuất và đóng tài khoản',
      p: [
        'Dữ liệu được lưu giữ trong suốt thời gian cổng thông tin hoạt động. Bạn có thể tải xuống toàn bộ dữ liệu của mình bất cứ lúc nào, và có thể đóng tài khoản: khi đó các trường dữ liệu cá nhân bị xoá.',
        'Nhật ký kiểm soát (audit log) chỉ ghi mã định danh, mã hành động và thời điểm, không bao giờ ghi giá trị dữ liệu cá nhân; vì vậy việc đóng tài khoản không cần sửa nhật ký, và nhật ký chỉ được ghi thêm, không bị sửa hay xoá.',
      ],
    },
    {
      h: 'Ai được xem dữ liệu của bạn',
      p: [
        'Chỉ quản trị viên được xem dữ liệu khách hàng, và mỗi lần xem đều được ghi vào nhật ký kiểm soát. Cán bộ trả lời yêu cầu hỗ trợ chỉ thấy tên hiển thị của người gửi.',
        'Khi cơ quan nhà nước có thẩm quyền yêu cầu cung cấp dữ liệu, việc cung cấp được ghi lại trước khi xuất dữ liệu: cơ quan yêu cầu, số hiệu văn bản, căn cứ pháp lý, người thực hiện và thời điểm.',
      ],
    },
    {
      h: 'Mật khẩu',
      p: [
        'Mật khẩu chỉ được lưu dưới dạng mã băm Argon2id, không ai đọc được mật khẩu gốc. Chỉ bạn được đổi mật khẩu của mình; quản trị viên có thể khoá tài khoản hoặc yêu cầu bạn đặt lại mật khẩu, nhưng không bao giờ xem hay đặt mật khẩu thay bạn.',
      ],
    },
    {
      h: 'Quyền của bạn',
      p: [
        'Bạn tự sửa dữ liệu của mình; giá trị mới thay thế giá trị cũ. Bạn có thể xuất dữ liệu, đóng tài khoản và gửi khiếu nại qua cổng thông tin, hoặc liên hệ với cơ quan quản lý theo thông tin ở trang Liên hệ.',
      ],
    },
  ],
  en: [
    {
      h: 'Scope',
      p: [
        'This policy says what the province\'s land information portal does with its users\' personal data. Visitors who look at the map and at the basic facts of parcels need no account and give no personal data. The browser only remembers the language you chose, on your own device.',
      ],
    },
    {
      h: 'What we collect',
      p: [
        'When you register you give your full name, phone number and a password (required), and may add an e-mail address and a postal address (optional). In every form, required fields are marked with *; optional ones may be left empty.',
        'The portal also records the use of your account that your plan\'s quota needs: the number of detailed views per day, the support requests, complaints and disputes you file, and the notifications sent to you.',
      ],
    },
    {
      h: 'What it is used for',
      p: [
        'Your data is used only to:',
        [
          'manage your rights to use the portal under your plan;',
          'send you notifications;',
          'invite you to upgrade your plan;',
          'support you when you ask;',
          'resolve complaints and disputes.',
        ],
        'The portal sends your data nowhere else; it is not sold and not shared for advertising.',
      ],
    },
    {
      h: 'Keeping, exporting and closing',
      p: [
        'Your data is kept for as long as the portal runs. You may download all of it at any time, and you may close your account: its personal fields are then erased.',
        'The audit log holds only ids, action codes and times, never personal values; closing an account therefore changes nothing in it, and the log is only ever appended to, never edited or deleted.',
      ],
    },
    {
      h: 'Who sees your data',
      p: [
        'Only administrators see customer data, and every look is written to the audit log. Staff answering a support request see only the author\'s display name.',
        'When a competent authority requests data, the disclosure is recorded before the data is exported: the authority, the reference of its document, the legal basis, who did it and when.',
      ],
    },
    {
      h: 'Passwords',
      p: [
        'Passwords are stored only as Argon2id hashes; nobody can read the password itself. Only you can change your password; an administrator can lock your account or make you reset it, but never read or set it.',
      ],
    },
    {
      h: 'Your rights',
      p: [
        'You edit your own data; the new values replace the old. You can export your data, close your account and file a complaint through the portal, or write to the office named on the Contact page.',
      ],
    },
  ],
};
