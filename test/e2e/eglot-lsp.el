;;; eglot-lsp.el --- Emacs 28 + eglot 1.9 (Debian) as an LSP client of the nginx-risk server, in batch -*- lexical-binding: t -*-
;;
;;   NR_NODE=node NR_SERVER=dist/server.js NR_TARGET=conf/nginx.conf NR_OUT=result.json [NR_APPLY="title part"] \
;;     emacs -Q --batch -l test/e2e/eglot-lsp.el
;;
;; Opens NR_TARGET, connects eglot, waits for flymake to show the server's diagnostics, renders the hover at
;; the start of each diagnostic with eglot's own hover formatting, lists the code actions on each
;; diagnostic (`eglot-code-actions', which sends the flymake diagnostics there as the context), picks the
;; first whose title contains NR_APPLY through eglot's own menu code, and writes what it saw as JSON to
;; NR_OUT.  The mocha test (editors.test.ts) judges the JSON; this script only reports.
;; Exit codes: 0 reported, 3 no diagnostics in time / no connection, 4 a request failed.

;; -Q skips Debian's site start files, which put the elpa packages (eglot and the newer project, xref,
;; seq it needs) on the load path.
(dolist (d (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*")) (push d load-path))
(require 'eglot)
(require 'json)
(require 'cl-lib)

(defvar nr-result nil "The report, an alist.")
(defun nr-put (key value) (setq nr-result (cons (cons key value) nr-result)))
(defun nr-finish (code &optional err)
  (when err (nr-put 'error err))
  (nr-put 'editor (format "emacs %s, eglot %s" emacs-version
                          (or (ignore-errors (package-desc-version (cadr (assq 'eglot package-alist)))) "1.9")))
  (with-temp-file (getenv "NR_OUT")
    (let ((json-encoding-pretty-print nil)) (insert (json-encode nr-result))))
  (kill-emacs code))

;; eglot names the language "nginx" after the mode.
(define-derived-mode nginx-mode prog-mode "nginx")
(add-to-list 'auto-mode-alist '("\\.conf\\'" . nginx-mode))
(add-to-list 'eglot-server-programs
             `(nginx-mode . (,(or (getenv "NR_NODE") "node") ,(getenv "NR_SERVER") "--stdio")))
(setq eglot-sync-connect t
      eglot-connect-timeout 20
      eglot-autoshutdown t
      eglot-events-buffer-size 0
      ;; An edit of a file no buffer visits asks first; the test answers as a user would, and says so.
      use-short-answers t)

(defvar nr-confirmations nil "The questions eglot asked (a workspace edit touching unvisited files).")

(defun nr-wait (pred seconds)
  "Let the process filters run until PRED is true or SECONDS pass; PRED's value."
  (let ((deadline (+ (float-time) seconds)) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    v))

(defun nr-diag-json (d)
  (let* ((lsp (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d))))
         (beg (flymake-diagnostic-beg d))
         (end (flymake-diagnostic-end d)))
    ;; Where flymake shows it, and where the server put it (eglot moves an empty range to text).
    `((line . ,(line-number-at-pos beg t))
      (lspLine . ,(1+ (plist-get (plist-get (plist-get lsp :range) :start) :line)))
      (lspColumn . ,(1+ (plist-get (plist-get (plist-get lsp :range) :start) :character)))
      (column . ,(1+ (save-excursion (goto-char beg) (current-column))))
      (endLine . ,(line-number-at-pos end t))
      (type . ,(symbol-name (flymake-diagnostic-type d)))
      (code . ,(plist-get lsp :code))
      (source . ,(plist-get lsp :source))
      (text . ,(flymake-diagnostic-text d)))))

(condition-case err
    (let ((wait (string-to-number (or (getenv "NR_WAIT_S") "20")))
          (apply (getenv "NR_APPLY")))
      (find-file (getenv "NR_TARGET"))
      (switch-to-buffer (current-buffer))
      (nr-put 'major_mode (symbol-name major-mode))
      (call-interactively #'eglot)
      (unless (eglot-current-server) (nr-finish 3 "eglot did not connect"))
      (flymake-mode 1)
      (let ((diags (nr-wait (lambda () (flymake-start) (flymake-diagnostics)) wait)))
        (unless diags (nr-finish 3 (format "no diagnostics within %s s" wait)))
        ;; In buffer order, as `flymake-show-diagnostics-buffer' lists them.
        (setq diags (sort diags (lambda (a b) (< (flymake-diagnostic-beg a) (flymake-diagnostic-beg b)))))
        (nr-put 'diagnostics (vconcat (mapcar #'nr-diag-json diags)))
        ;; Hovers and actions of every diagnostic first, the chosen action applied after them: an edit moves
        ;; the text under the later diagnostics (two on one line: a cost finding and the access note).
        (let ((server (eglot-current-server)) hovers actions applied to-apply)
          (dolist (d diags)
            (save-excursion
              (goto-char (flymake-diagnostic-beg d))
              (let* ((hover (jsonrpc-request server :textDocument/hover (eglot--TextDocumentPositionParams)
                                             :timeout 10))
                     (contents (plist-get hover :contents)))
                (push `((line . ,(line-number-at-pos nil t))
                        (text . ,(if (and contents (not (seq-empty-p contents)))
                                     (substring-no-properties (eglot--hover-info contents))
                                   nil)))
                      hovers))
              (let ((found (eglot-code-actions (flymake-diagnostic-beg d) (flymake-diagnostic-end d))))
                (push `((line . ,(line-number-at-pos nil t))
                        (titles . ,(vconcat (mapcar (lambda (a) (plist-get a :title)) found))))
                      actions)
                (when (and apply (not applied))
                  (let ((chosen (cl-find-if (lambda (a) (string-search apply (plist-get a :title))) found)))
                    (when chosen
                      (setq applied (plist-get chosen :title))
                      (setq to-apply found)))))))
          (when to-apply
            ;; eglot's own menu: completing-read picks the title, y-or-n-p allows the edit.
            (cl-letf (((symbol-function 'completing-read) (lambda (&rest _) applied))
                      ((symbol-function 'y-or-n-p)
                       (lambda (prompt) (push prompt nr-confirmations) t)))
              ;; A key, not a mouse event: eglot asks with completing-read, not a popup menu.
              (let ((last-nonmenu-event ?\r))
                (eglot--read-execute-code-action to-apply server))))
          (nr-put 'hovers (vconcat (nreverse hovers)))
          (nr-put 'actions (vconcat (nreverse actions)))
          (when applied
            (nr-put 'applied
                    `((title . ,applied)
                      (confirmations . ,(vconcat nr-confirmations))
                      (buffers . ,(let (bufs)
                                    (dolist (b (buffer-list) bufs)
                                      (when (and (buffer-file-name b) (buffer-modified-p b))
                                        (push (cons (buffer-file-name b)
                                                    (with-current-buffer b
                                                      (buffer-substring-no-properties (point-min) (point-max))))
                                              bufs)))))))))
        (nr-finish 0)))
  (error (nr-finish 4 (format "%S" err))))
